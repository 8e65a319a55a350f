using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Downloads;
using Trabecula.Server.Features.Orders;
using Trabecula.Server.Features.Permissions;

namespace Trabecula.Server.Features.PatientData;

/// <summary>
/// Patient data through download links: the identified original of a DICOM instance or scan
/// (IdentifiedPatientData) and its de-identified derivative (DeidentifiedPatientData), with the
/// same server-chosen names as the direct download endpoints.
/// </summary>
internal sealed class PatientDataDownloads(TrabeculaDbContext db, string kind) : IDownloadSource
{
    public const string Instance = "dicom-instance";
    public const string DeidentifiedInstance = "dicom-instance-deidentified";
    public const string Scan = "scan-file";
    public const string DeidentifiedScan = "scan-file-deidentified";

    public string Kind => kind;

    public async Task<DownloadFile?> FindAsync(Order order, Guid fileId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        switch (kind)
        {
            case Instance or DeidentifiedInstance:
            {
                var instance = await db.DicomInstances.AsNoTracking().SingleOrDefaultAsync(i => i.Id == fileId && i.OrderId == order.Id, cancellationToken);
                if (instance is null)
                {
                    return null;
                }

                return kind == Instance
                    ? new DownloadFile(instance.BlobKey, instance.Sha256, instance.Length, "application/dicom", $"{order.Number}-{instance.Id:N}.dcm", DataClass.IdentifiedPatientData)
                    : instance.DeidentifiedBlobKey is null ? null
                    : new DownloadFile(instance.DeidentifiedBlobKey, instance.DeidentifiedSha256!, instance.DeidentifiedLength ?? 0, "application/dicom",
                        $"{order.Number}-{instance.Id:N}-deid.dcm", DataClass.DeidentifiedPatientData);
            }

            default:
            {
                var file = await db.ScanFiles.AsNoTracking().SingleOrDefaultAsync(f => f.Id == fileId && f.OrderId == order.Id, cancellationToken);
                if (file is null)
                {
                    return null;
                }

                if (kind == Scan)
                {
                    var extension = file.Format == ScanFormat.Jpeg ? "jpg" : file.Format.ToString().ToLowerInvariant();
                    return new DownloadFile(file.BlobKey, file.Sha256, file.Length, ScanFormats.MediaType(file.Format),
                        string.Create(CultureInfo.InvariantCulture, $"{order.Number}-{file.Id:N}.{extension}"), DataClass.IdentifiedPatientData);
                }

                if (file.DeidentifiedBlobKey is null)
                {
                    return null;
                }

                var (mediaType, ext) = file.Format is ScanFormat.Jpeg ? ("image/jpeg", "jpg") : file.Format is ScanFormat.Png ? ("image/png", "png") : ("model/stl", "stl");
                return new DownloadFile(file.DeidentifiedBlobKey, file.DeidentifiedSha256!, file.DeidentifiedLength ?? 0, mediaType,
                    string.Create(CultureInfo.InvariantCulture, $"{order.Number}-{file.Id:N}-deid.{ext}"), DataClass.DeidentifiedPatientData);
            }
        }
    }

    /// <summary>Registers the four kinds.</summary>
    public static void Register(IServiceCollection services)
    {
        foreach (var kind in new[] { Instance, DeidentifiedInstance, Scan, DeidentifiedScan })
        {
            services.AddScoped<IDownloadSource>(sp => new PatientDataDownloads(sp.GetRequiredService<TrabeculaDbContext>(), kind));
        }
    }
}
