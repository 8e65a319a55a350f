using System.Net;
using System.Runtime.CompilerServices;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;

namespace Trabecula.Server.Infrastructure.Storage;

/// <summary>
/// Sealed blobs in an S3-compatible bucket under blobs/&lt;key&gt;. An object becomes visible only
/// when its PutObject or CompleteMultipartUpload succeeds, so S3 needs no temp-and-rename; a
/// write streams in 8 MiB parts (one PutObject when it is smaller), so memory stays bounded.
/// Payload signing with aws-chunked encoding and the new default checksums are off: several
/// S3-compatible stores (s3rver among them) keep aws-chunked bodies verbatim, which would corrupt
/// every object; the store's own GCM tags and SHA-256 check the content instead.
/// </summary>
internal sealed class S3BlobTarget : IBlobTarget, IDisposable
{
    private const string Prefix = "blobs/";
    internal const int PartSize = 8 * 1024 * 1024;

    private readonly AmazonS3Client _client;
    private readonly S3StorageOptions _options;

    public S3BlobTarget(IOptions<StorageOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value.S3;
        var config = new AmazonS3Config
        {
            ServiceURL = _options.ServiceUrl,
            ForcePathStyle = _options.ForcePathStyle,
            AuthenticationRegion = _options.Region,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        _client = new AmazonS3Client(new BasicAWSCredentials(_options.AccessKey ?? "", _options.SecretKey ?? ""), config);
    }

    public string Name => "s3";

    public string Region => _options.Region;

    private string Bucket => _options.Bucket!;

    public Task<IBlobWrite> BeginWriteAsync(string key, long? expectedLength, CancellationToken cancellationToken) =>
        Task.FromResult<IBlobWrite>(new S3Write(this, Prefix + key));

    public async Task<Stream?> OpenReadAsync(string key, long offset, long? length, CancellationToken cancellationToken)
    {
        var request = new GetObjectRequest { BucketName = Bucket, Key = Prefix + key };
        if (offset > 0 || length is not null)
        {
            request.ByteRange = length is { } l ? new ByteRange(offset, offset + l - 1) : new ByteRange($"bytes={offset}-");
        }

        try
        {
            var response = await _client.GetObjectAsync(request, cancellationToken);
            return new ResponseStream(response);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            return new MemoryStream([], writable: false); // asked from the end: nothing follows
        }
    }

    /// <summary>The sealed bytes go up as they are (no second encryption): one PutObject or a multipart upload.</summary>
    public Task AdoptAsync(string key, string sealedPath, CancellationToken cancellationToken) => this.CopyInAsync(key, sealedPath, cancellationToken);

    public async Task DeleteAsync(string name, bool temporary, CancellationToken cancellationToken)
    {
        if (temporary)
        {
            var (key, uploadId) = SplitUpload(name);
            await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = Bucket, Key = key, UploadId = uploadId }, cancellationToken);
            return;
        }

        await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Bucket, Key = Prefix + name }, cancellationToken);
    }

    public async IAsyncEnumerable<BlobListing> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new ListObjectsV2Request { BucketName = Bucket, Prefix = Prefix };
        ListObjectsV2Response response;
        do
        {
            response = await _client.ListObjectsV2Async(request, cancellationToken);
            foreach (var item in response.S3Objects ?? [])
            {
                yield return new BlobListing(item.Key[Prefix.Length..], false, item.LastModified is { } modified ? new DateTimeOffset(modified.ToUniversalTime()) : DateTimeOffset.MinValue);
            }

            request.ContinuationToken = response.NextContinuationToken;
        }
        while (response.IsTruncated == true);
    }

    public void Dispose() => _client.Dispose();

    private static (string Key, string UploadId) SplitUpload(string name)
    {
        var at = name.IndexOf('|', StringComparison.Ordinal);
        return (name[..at], name[(at + 1)..]);
    }

    /// <summary>Holds up to one part in memory; the first full part starts a multipart upload.</summary>
    private sealed class S3Write(S3BlobTarget target, string key) : WriteOnlyStream, IBlobWrite
    {
        private readonly MemoryStream _part = new();
        private readonly List<PartETag> _parts = [];
        private string? _uploadId;
        private bool _committed;

        public Stream Content => this;

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (!buffer.IsEmpty)
            {
                var take = (int)Math.Min(buffer.Length, PartSize - _part.Length);
                _part.Write(buffer.Span[..take]);
                buffer = buffer[take..];
                if (_part.Length == PartSize)
                {
                    await UploadPartAsync(cancellationToken);
                }
            }
        }

        public override void Write(byte[] buffer, int offset, int count) =>
            WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public async Task CommitAsync(CancellationToken cancellationToken)
        {
            if (_uploadId is null)
            {
                _part.Position = 0;
                await target._client.PutObjectAsync(new PutObjectRequest
                {
                    BucketName = target.Bucket,
                    Key = key,
                    InputStream = _part,
                    AutoCloseStream = false,
                    UseChunkEncoding = false,
                }, cancellationToken);
            }
            else
            {
                if (_part.Length > 0)
                {
                    await UploadPartAsync(cancellationToken);
                }

                await target._client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
                {
                    BucketName = target.Bucket,
                    Key = key,
                    UploadId = _uploadId,
                    PartETags = _parts,
                }, cancellationToken);
            }

            _committed = true;
        }

        private async Task UploadPartAsync(CancellationToken cancellationToken)
        {
            _uploadId ??= (await target._client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = target.Bucket, Key = key }, cancellationToken)).UploadId;
            _part.Position = 0;
            var number = _parts.Count + 1;
            var response = await target._client.UploadPartAsync(new UploadPartRequest
            {
                BucketName = target.Bucket,
                Key = key,
                UploadId = _uploadId,
                PartNumber = number,
                InputStream = _part,
                PartSize = _part.Length,
                UseChunkEncoding = false,
            }, cancellationToken);
            _parts.Add(new PartETag(number, response.ETag));
            _part.SetLength(0);
        }

        public override async ValueTask DisposeAsync()
        {
            if (!_committed && _uploadId is not null)
            {
                await target._client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = target.Bucket, Key = key, UploadId = _uploadId });
            }

            await _part.DisposeAsync();
            await base.DisposeAsync();
        }
    }

    /// <summary>The object's body; disposing it releases the HTTP response.</summary>
    private sealed class ResponseStream(GetObjectResponse response) : Stream
    {
        private readonly Stream _body = response.ResponseStream;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _body.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _body.ReadAsync(buffer, offset, count, cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => _body.Read(buffer, offset, count);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _body.Dispose();
                response.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
