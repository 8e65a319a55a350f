using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Downloads;
using Trabecula.Server.Features.Orders;
using Trabecula.Server.Features.Permissions;

namespace Trabecula.Server.Features.Designs;

/// <summary>
/// Design files (models and reports of every version) through download links, under the
/// DesignFiles class of the matrix and with the same name as the direct download endpoint.
/// </summary>
internal sealed class DesignFileDownloads(TrabeculaDbContext db) : IDownloadSource
{
    public const string DesignFileKind = "design-file";

    public string Kind => DesignFileKind;

    public async Task<DownloadFile?> FindAsync(Order order, Guid fileId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        var file = await db.DesignFiles.AsNoTracking().SingleOrDefaultAsync(f => f.Id == fileId && f.OrderId == order.Id, cancellationToken);
        return file is null ? null
            : new DownloadFile(file.BlobKey, file.Sha256, file.Length, DesignsApi.ContentType(file.Format), file.FileName, DataClass.DesignFiles);
    }
}
