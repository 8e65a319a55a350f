using Trabecula.Server.Features.Orders;
using Trabecula.Server.Features.Permissions;

namespace Trabecula.Server.Features.Downloads;

/// <summary>A stored file as a download serves it: its blob, the class the permission matrix decides on, and a name the server chose.</summary>
public sealed record DownloadFile(string BlobKey, string Sha256, long Length, string ContentType, string FileName, DataClass DataClass);

/// <summary>
/// What a feature registers (<see cref="DownloadsExtensions.AddDownloadSource{T}"/>) so that its
/// files can be fetched through download links: one kind of file, found by the order and its id.
/// </summary>
public interface IDownloadSource
{
    /// <summary>The kind in the link, e.g. "scan-file"; also the data-protection purpose of its tokens.</summary>
    string Kind { get; }

    /// <summary>The file of this kind on <paramref name="order"/>, or null.</summary>
    Task<DownloadFile?> FindAsync(Order order, Guid fileId, CancellationToken cancellationToken);
}
