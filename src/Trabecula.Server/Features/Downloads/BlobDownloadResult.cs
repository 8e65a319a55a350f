using System.Buffers;
using System.Globalization;
using Microsoft.Net.Http.Headers;
using Trabecula.Server.Infrastructure.Storage;

namespace Trabecula.Server.Features.Downloads;

/// <summary>
/// Streams a blob decrypted on the fly: the whole file (its SHA-256 checked at the end; on a
/// mismatch the connection is aborted rather than ended, so a client never takes a bad file for
/// a good one) or one byte range (206, each chunk authenticated). The content hash is the strong
/// ETag (If-None-Match, If-Range); always an attachment with the server's name, nosniff, no-store.
/// </summary>
public sealed class BlobDownloadResult(IBlobStore blobs, string blobKey, string sha256, long length, string contentType, string fileName) : IResult
{
    private const int WriteBlock = 1 << 20;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var request = httpContext.Request;
        var response = httpContext.Response;
        var etag = new EntityTagHeaderValue($"\"{sha256}\"");
        var headers = response.Headers;
        headers.ETag = etag.ToString();
        headers.AcceptRanges = "bytes";
        headers.CacheControl = "no-store";
        headers.XContentTypeOptions = "nosniff";
        var disposition = new ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName(fileName);
        headers.ContentDisposition = disposition.ToString();

        var typed = request.GetTypedHeaders();
        if (typed.IfNoneMatch.Any(t => t.Compare(etag, useStrongComparison: false) || t.Equals(EntityTagHeaderValue.Any)))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        long offset = 0;
        var count = length;
        var range = typed.Range;
        var ifRange = typed.IfRange;
        var rangeApplies = range is not null && (ifRange is null || (ifRange.EntityTag is { } tag && tag.Compare(etag, useStrongComparison: true)));
        if (rangeApplies && range!.Ranges.Count == 1 && string.Equals(range.Unit.Value, "bytes", StringComparison.OrdinalIgnoreCase))
        {
            var only = range.Ranges.Single();
            (long From, long To)? wanted = (only.From, only.To) switch
            {
                ({ } from, { } to) when from <= to && from < length => (from, Math.Min(to, length - 1)),
                ({ } from, null) when from < length => (from, length - 1),
                (null, { } suffix) when suffix > 0 && length > 0 => (Math.Max(0, length - suffix), length - 1),
                _ => null,
            };
            if (wanted is null)
            {
                response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
                headers.ContentRange = $"bytes */{length.ToString(CultureInfo.InvariantCulture)}";
                return;
            }

            (offset, count) = (wanted.Value.From, wanted.Value.To - wanted.Value.From + 1);
            response.StatusCode = StatusCodes.Status206PartialContent;
            headers.ContentRange = string.Create(CultureInfo.InvariantCulture, $"bytes {wanted.Value.From}-{wanted.Value.To}/{length}");
        }
        else
        {
            response.StatusCode = StatusCodes.Status200OK;
        }

        // Opened before anything is sent: a blob that fails at once is answered with a problem, not a truncated body.
        await using var stream = await blobs.OpenReadAsync(blobKey, sha256, offset, count, httpContext.RequestAborted);
        response.ContentType = contentType;
        response.ContentLength = count;
        if (HttpMethods.IsHead(request.Method))
        {
            return;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(WriteBlock);
        try
        {
            // The store hands out one 64 KiB chunk per read; gathering a MiB before each response
            // write keeps Kestrel's writes and flushes (and their syscalls) few.
            int filled;
            while ((filled = await stream.ReadAtLeastAsync(buffer.AsMemory(0, WriteBlock), WriteBlock, throwOnEndOfStream: false, httpContext.RequestAborted)) > 0)
            {
                await response.Body.WriteAsync(buffer.AsMemory(0, filled), httpContext.RequestAborted);
            }
        }
        catch (BlobIntegrityException)
        {
            // Headers are gone: abort, so that the client sees a broken transfer, never a complete file.
            httpContext.Abort();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
        }
    }
}
