using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Designs;
using Trabecula.Server.Features.Orders;
using Trabecula.Server.Features.Permissions;
using Trabecula.Server.Infrastructure.Storage;

namespace Trabecula.Server.Features.Transfer;

/// <summary>The kinds of artifact a share or an encrypted export can carry: every stored thing of an order that has a download today.</summary>
public enum ArtifactKind
{
    /// <summary>A DICOM instance as the institution uploaded it (identified).</summary>
    DicomInstance,

    /// <summary>The de-identified derivative of a DICOM instance made at confirmation.</summary>
    DicomInstanceDeidentified,

    /// <summary>An optical capture or model scan as uploaded (identified: photos and scanner headers carry names).</summary>
    ScanFile,

    /// <summary>The designer's copy of a scan, rewritten without metadata.</summary>
    ScanFileDeidentified,

    /// <summary>A model or the report of a design version.</summary>
    DesignFile,

    /// <summary>The released production package (the zip the manufacturer downloads); its id is the package id.</summary>
    ProductionPackage,

    /// <summary>An attachment of a production step.</summary>
    ProductionAttachment,
}

/// <summary>One artifact of an order, found by kind and id: its class decides who may touch it.</summary>
public sealed record ResolvedArtifact(ArtifactKind Kind, Guid Id, Guid OrderId, DataClass Class, string FileName, string ContentType, long? Length, string Label);

/// <summary>
/// Finds an order's artifact by kind and id and reads its bytes through the blob store (whose
/// read checks authentication and SHA-256, so a share or export never carries a bad byte). The
/// one place that knows where each feature keeps its files, so sharing and export do not repeat it.
/// </summary>
public sealed class ArtifactResolver(TrabeculaDbContext db, IBlobStore blobs, DesignReleases releases)
{
    /// <summary>The artifact if it belongs to <paramref name="order"/>, else null (the caller answers 404).</summary>
    public async Task<ResolvedArtifact?> FindAsync(Order order, ArtifactKind kind, Guid id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        switch (kind)
        {
            case ArtifactKind.DicomInstance or ArtifactKind.DicomInstanceDeidentified:
                var instance = await db.DicomInstances.AsNoTracking().Where(i => i.Id == id && i.OrderId == order.Id)
                    .Select(i => new { i.Id, i.Length, i.DeidentifiedLength, Deidentified = i.DeidentifiedBlobKey != null, i.Modality }).SingleOrDefaultAsync(cancellationToken);
                if (instance is null || (kind == ArtifactKind.DicomInstanceDeidentified && !instance.Deidentified))
                {
                    return null;
                }

                var deid = kind == ArtifactKind.DicomInstanceDeidentified;
                return new ResolvedArtifact(kind, id, order.Id, deid ? DataClass.DeidentifiedPatientData : DataClass.IdentifiedPatientData,
                    $"{order.Number}-{id:N}{(deid ? "-deid" : "")}.dcm", "application/dicom", deid ? instance.DeidentifiedLength : instance.Length,
                    $"DICOM {instance.Modality} {(deid ? "(de-identified)" : "(original)")}");
            case ArtifactKind.ScanFile or ArtifactKind.ScanFileDeidentified:
                var scan = await db.ScanFiles.AsNoTracking().Where(f => f.Id == id && f.OrderId == order.Id)
                    .Select(f => new { f.Format, f.Length, f.DeidentifiedLength, Deidentified = f.DeidentifiedBlobKey != null }).SingleOrDefaultAsync(cancellationToken);
                if (scan is null || (kind == ArtifactKind.ScanFileDeidentified && !scan.Deidentified))
                {
                    return null;
                }

                var deidScan = kind == ArtifactKind.ScanFileDeidentified;
                var extension = scan.Format == PatientData.ScanFormat.Jpeg ? "jpg" : scan.Format.ToString().ToLowerInvariant();
                return new ResolvedArtifact(kind, id, order.Id, deidScan ? DataClass.DeidentifiedPatientData : DataClass.IdentifiedPatientData,
                    string.Create(CultureInfo.InvariantCulture, $"{order.Number}-{id:N}{(deidScan ? "-deid" : "")}.{extension}"), "application/octet-stream",
                    deidScan ? scan.DeidentifiedLength : scan.Length, $"{scan.Format} {(deidScan ? "(de-identified)" : "(original)")}");
            case ArtifactKind.DesignFile:
                var file = await db.DesignFiles.AsNoTracking().SingleOrDefaultAsync(f => f.Id == id && f.OrderId == order.Id, cancellationToken);
                return file is null ? null
                    : new ResolvedArtifact(kind, id, order.Id, DataClass.DesignFiles, file.FileName, DesignsApi.ContentType(file.Format), file.Length, $"{file.Kind} {file.FileName}");
            case ArtifactKind.ProductionPackage:
                var package = await releases.GetReleasedPackageAsync(order.Id, cancellationToken);
                return package is null || package.Id != id ? null
                    : new ResolvedArtifact(kind, id, order.Id, DataClass.ProductionPackage, DesignsApi.PackageZipName(order, package), "application/zip", null,
                        string.Create(CultureInfo.InvariantCulture, $"Production package v{package.VersionNumber}"));
            case ArtifactKind.ProductionAttachment:
                var attachment = await db.ProductionAttachments.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id && a.OrderId == order.Id, cancellationToken);
                return attachment is null ? null
                    : new ResolvedArtifact(kind, id, order.Id, DataClass.ProductionRecords, attachment.FileName, attachment.ContentType, attachment.Length, attachment.FileName);
            default:
                return null;
        }
    }

    /// <summary>Every artifact of the order (for the share page; the caller filters by what the matrix lets the person share).</summary>
    public async Task<List<ResolvedArtifact>> ListAsync(Order order, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        var found = new List<ResolvedArtifact>();
        var instances = await db.DicomInstances.AsNoTracking().Where(i => i.OrderId == order.Id).OrderBy(i => i.ReceivedAt)
            .Select(i => new { i.Id, Deidentified = i.DeidentifiedBlobKey != null }).ToListAsync(cancellationToken);
        var scans = await db.ScanFiles.AsNoTracking().Where(f => f.OrderId == order.Id).OrderBy(f => f.ReceivedAt)
            .Select(f => new { f.Id, Deidentified = f.DeidentifiedBlobKey != null }).ToListAsync(cancellationToken);
        var designFiles = await db.DesignFiles.AsNoTracking().Where(f => f.OrderId == order.Id).Select(f => f.Id).ToListAsync(cancellationToken);
        var attachments = await db.ProductionAttachments.AsNoTracking().Where(a => a.OrderId == order.Id).Select(a => a.Id).ToListAsync(cancellationToken);
        var package = await releases.GetReleasedPackageAsync(order.Id, cancellationToken);
        var keys = instances.SelectMany(i => i.Deidentified
                ? new[] { (ArtifactKind.DicomInstance, i.Id), (ArtifactKind.DicomInstanceDeidentified, i.Id) }
                : [(ArtifactKind.DicomInstance, i.Id)])
            .Concat(scans.SelectMany(f => f.Deidentified
                ? new[] { (ArtifactKind.ScanFile, f.Id), (ArtifactKind.ScanFileDeidentified, f.Id) }
                : [(ArtifactKind.ScanFile, f.Id)]))
            .Concat(designFiles.Select(f => (ArtifactKind.DesignFile, f)))
            .Concat(package is null ? [] : [(ArtifactKind.ProductionPackage, package.Id)])
            .Concat(attachments.Select(a => (ArtifactKind.ProductionAttachment, a)));
        foreach (var (kind, id) in keys)
        {
            if (await FindAsync(order, kind, id, cancellationToken) is { } artifact)
            {
                found.Add(artifact);
            }
        }

        return found;
    }

    /// <summary>
    /// The one blob that is the artifact, for streaming it (ranges, decrypted on the fly, verified as it
    /// goes); null for a production package, which is put together from several blobs when asked for.
    /// </summary>
    public async Task<StoredBlob?> BlobAsync(ResolvedArtifact artifact, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        switch (artifact.Kind)
        {
            case ArtifactKind.DicomInstance or ArtifactKind.DicomInstanceDeidentified:
                var instance = await db.DicomInstances.AsNoTracking().SingleAsync(i => i.Id == artifact.Id, cancellationToken);
                return artifact.Kind == ArtifactKind.DicomInstance
                    ? new StoredBlob(instance.BlobKey, instance.Length, instance.Sha256)
                    : new StoredBlob(instance.DeidentifiedBlobKey!, instance.DeidentifiedLength!.Value, instance.DeidentifiedSha256!);
            case ArtifactKind.ScanFile or ArtifactKind.ScanFileDeidentified:
                var scan = await db.ScanFiles.AsNoTracking().SingleAsync(f => f.Id == artifact.Id, cancellationToken);
                return artifact.Kind == ArtifactKind.ScanFile
                    ? new StoredBlob(scan.BlobKey, scan.Length, scan.Sha256)
                    : new StoredBlob(scan.DeidentifiedBlobKey!, scan.DeidentifiedLength!.Value, scan.DeidentifiedSha256!);
            case ArtifactKind.DesignFile:
                var file = await db.DesignFiles.AsNoTracking().SingleAsync(f => f.Id == artifact.Id, cancellationToken);
                return new StoredBlob(file.BlobKey, file.Length, file.Sha256);
            case ArtifactKind.ProductionAttachment:
                var attachment = await db.ProductionAttachments.AsNoTracking().SingleAsync(a => a.Id == artifact.Id, cancellationToken);
                return new StoredBlob(attachment.BlobKey, attachment.Length, attachment.Sha256);
            default:
                return null;
        }
    }

    /// <summary>
    /// The artifact's bytes, each read through its recorded SHA-256. A released package is checked
    /// again first (signature, rows, every file's hash) and refused if it no longer holds.
    /// Throws <see cref="BlobIntegrityException"/> on a bad blob and <see cref="ArtifactNotValidException"/> on a void package.
    /// </summary>
    public async Task<byte[]> ReadAsync(Order order, ResolvedArtifact artifact, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(artifact);
        switch (artifact.Kind)
        {
            case ArtifactKind.DicomInstance or ArtifactKind.DicomInstanceDeidentified:
                var instance = await db.DicomInstances.AsNoTracking().SingleAsync(i => i.Id == artifact.Id, cancellationToken);
                return artifact.Kind == ArtifactKind.DicomInstance
                    ? await blobs.GetAsync(instance.BlobKey, instance.Sha256, cancellationToken)
                    : await blobs.GetAsync(instance.DeidentifiedBlobKey!, instance.DeidentifiedSha256!, cancellationToken);
            case ArtifactKind.ScanFile or ArtifactKind.ScanFileDeidentified:
                var scan = await db.ScanFiles.AsNoTracking().SingleAsync(f => f.Id == artifact.Id, cancellationToken);
                return artifact.Kind == ArtifactKind.ScanFile
                    ? await blobs.GetAsync(scan.BlobKey, scan.Sha256, cancellationToken)
                    : await blobs.GetAsync(scan.DeidentifiedBlobKey!, scan.DeidentifiedSha256!, cancellationToken);
            case ArtifactKind.DesignFile:
                var file = await db.DesignFiles.AsNoTracking().SingleAsync(f => f.Id == artifact.Id, cancellationToken);
                return await blobs.GetAsync(file.BlobKey, file.Sha256, cancellationToken);
            case ArtifactKind.ProductionPackage:
                var package = await releases.GetReleasedPackageAsync(order.Id, cancellationToken);
                if (package is null || package.Id != artifact.Id)
                {
                    throw new ArtifactNotValidException("The package is no longer the released one.");
                }

                var check = await releases.VerifyAsync(order, package, cancellationToken);
                return check.Valid
                    ? await DesignsApi.BuildPackageZipAsync(db, blobs, package, cancellationToken)
                    : throw new ArtifactNotValidException($"The package no longer holds ({string.Join(", ", check.Problems)}).");
            case ArtifactKind.ProductionAttachment:
                var attachment = await db.ProductionAttachments.AsNoTracking().SingleAsync(a => a.Id == artifact.Id, cancellationToken);
                return await blobs.GetAsync(attachment.BlobKey, attachment.Sha256, cancellationToken);
            default:
                throw new ArgumentOutOfRangeException(nameof(artifact));
        }
    }
}

/// <summary>The artifact exists but may not be handed out now (a released package whose approval no longer holds).</summary>
public sealed class ArtifactNotValidException(string message) : Exception(message);
