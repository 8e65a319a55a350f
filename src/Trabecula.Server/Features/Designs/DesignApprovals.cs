using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Trabecula.Dicom;
using Trabecula.Dicom.Series;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Orders;
using Trabecula.Server.Features.PatientData;
using Trabecula.Server.Infrastructure.Storage;

namespace Trabecula.Server.Features.Designs;

/// <summary>
/// What a signature is worth now. <see cref="Problems"/> names every reason it no longer holds:
/// "signature-invalid" (the document or signature bytes changed), "record-mismatch" (a row the
/// document covers changed), "files-changed" (a stored file fails its hash or is gone),
/// "patient-data-changed", "patient-data-expired" (before manufacture started), "superseded".
/// </summary>
public sealed record SignatureCheck(bool SignatureValid, IReadOnlyList<string> Problems)
{
    public bool Valid => Problems.Count == 0;

    /// <summary>"valid", "superseded" (a change after approval replaced it), or "void".</summary>
    public string Status => Valid ? "valid" : Problems.Count == 1 && Problems[0] == "superseded" ? "superseded" : "void";
}

/// <summary>
/// The design feature's rules about approvals (R-DES-1): the canonical document of a decision, the
/// fingerprint and validity of the confirmed patient data, and the check that a stored signature
/// still stands, re-reading every signed file through the blob store (which verifies its hash).
/// </summary>
public sealed class DesignApprovals(TrabeculaDbContext db, IBlobStore blobs, DesignSigner signer, IOptions<PatientDataOptions> patientData, TimeProvider time)
{
    /// <summary>SHA-256 over the order's confirmed datasets and the hash of every instance in them, in a fixed order.</summary>
    public async Task<string> PatientDataFingerprintAsync(Guid orderId, CancellationToken cancellationToken)
    {
        var datasets = await db.PatientDatasets.AsNoTracking().Where(d => d.OrderId == orderId && d.ConfirmedAt != null)
            .Select(d => new { d.Id, d.ConfirmedAt }).ToListAsync(cancellationToken);
        var ids = datasets.Select(d => d.Id).ToList();
        var instances = await db.DicomInstances.AsNoTracking().Where(i => ids.Contains(i.DatasetId))
            .Select(i => new { i.DatasetId, i.Id, i.Sha256 }).ToListAsync(cancellationToken);
        var text = new StringBuilder();
        foreach (var dataset in datasets.OrderBy(d => d.Id))
        {
            text.Append(CultureInfo.InvariantCulture, $"dataset {dataset.Id} {dataset.ConfirmedAt!.Value.Ticks / TimeSpan.TicksPerSecond}\n");
            foreach (var instance in instances.Where(i => i.DatasetId == dataset.Id).OrderBy(i => i.Id))
            {
                text.Append(CultureInfo.InvariantCulture, $"{instance.Id} {instance.Sha256}\n");
            }
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>
    /// Until when the confirmed imaging is fit for this device category: the earliest series'
    /// acquisition date plus the profile's MaxAgeDays (R-DATA-2). Null: no profile or no imaging, no limit.
    /// </summary>
    public async Task<DateTime?> PatientDataValidUntilAsync(Order order, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (patientData.Value.Profiles.GetValueOrDefault(order.DeviceCategory)?.MaxAgeDays is not { } days)
        {
            return null;
        }

        var series = await db.DicomInstances.AsNoTracking()
            .Where(i => i.OrderId == order.Id && db.PatientDatasets.Any(d => d.Id == i.DatasetId && d.ConfirmedAt != null && d.Kind == DatasetKind.MedicalImaging))
            .Select(i => i.SeriesInstanceUid).Distinct().ToListAsync(cancellationToken);
        DateTime? until = null;
        foreach (var uid in series)
        {
            // One header per series is enough: the acquisition date is the series'.
            var header = await db.DicomInstances.AsNoTracking().Where(i => i.OrderId == order.Id && i.SeriesInstanceUid == uid)
                .OrderBy(i => i.ReceivedAt).Select(i => i.Header).FirstAsync(cancellationToken);
            var summary = DicomSeriesSummary.Build([DicomFile.Read(new MemoryStream(Convert.FromBase64String(header), writable: false)).Dataset]);
            var acquired = AcquisitionDate(summary.AcquisitionDateTime);
            var end = (acquired ?? DateTime.MinValue).AddDays(days + 1);
            until = until is null || end < until ? end : until;
        }

        return until;
    }

    /// <summary>The files of a version as a signature names them.</summary>
    public async Task<List<(DesignFile File, SignedFile Signed)>> FilesAsync(Guid versionId, CancellationToken cancellationToken)
    {
        var files = await db.DesignFiles.AsNoTracking().Where(f => f.VersionId == versionId).ToListAsync(cancellationToken);
        return [.. files.Select(f => (f, new SignedFile(f.Id, f.Kind.ToString(), f.FileName, f.Sha256, f.Length)))];
    }

    /// <summary>Rebuilds the document from the rows it covers (as they are now).</summary>
    public async Task<string> RebuildAsync(DesignSignature signature, Order order, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signature);
        ArgumentNullException.ThrowIfNull(order);
        var version = await db.DesignVersions.AsNoTracking().SingleAsync(v => v.Id == signature.VersionId, cancellationToken);
        var files = await FilesAsync(version.Id, cancellationToken);
        return ApprovalDocument.Build(order.Id, order.Number, version.Id, version.Number, signature.ReviewRequestId, files.Select(f => f.Signed),
            signature.PatientDataFingerprint, signature.SignerId, signature.SignerName, signature.LicenceNumber, signature.OrganizationName,
            signature.Meaning, signature.Reason, signature.SignedAt);
    }

    /// <summary>
    /// Checks a stored signature: the ECDSA signature over the stored document, the document against
    /// the rows, every signed file read back (the blob store checks its SHA-256); for an approval also
    /// that the patient data is unchanged and, until manufacture starts, not expired, and that no change superseded it.
    /// </summary>
    public async Task<SignatureCheck> CheckAsync(DesignSignature signature, Order order, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signature);
        ArgumentNullException.ThrowIfNull(order);
        var problems = new List<string>();
        bool signatureValid;
        try
        {
            signatureValid = string.Equals(signature.KeyId, signer.KeyId, StringComparison.Ordinal)
                && signer.Verify(signature.Document, Convert.FromBase64String(signature.Signature));
        }
        catch (FormatException)
        {
            signatureValid = false;
        }

        if (!signatureValid)
        {
            problems.Add("signature-invalid");
        }

        if (!string.Equals(await RebuildAsync(signature, order, cancellationToken), signature.Document, StringComparison.Ordinal))
        {
            problems.Add("record-mismatch");
        }

        foreach (var (file, _) in await FilesAsync(signature.VersionId, cancellationToken))
        {
            try
            {
                await blobs.GetAsync(file.BlobKey, file.Sha256, cancellationToken);
            }
            catch (BlobIntegrityException)
            {
                problems.Add("files-changed");
                break;
            }
        }

        if (signature.Meaning == SignatureMeaning.ApproveForManufacture)
        {
            if (!string.Equals(await PatientDataFingerprintAsync(order.Id, cancellationToken), signature.PatientDataFingerprint, StringComparison.Ordinal))
            {
                problems.Add("patient-data-changed");
            }

            var manufacturingStarted = order.State is not (OrderState.Designing or OrderState.DesignReview or OrderState.DesignApproved or OrderState.OnHold);
            if (!manufacturingStarted && await PatientDataValidUntilAsync(order, cancellationToken) is { } until && time.GetUtcNow().UtcDateTime >= until)
            {
                problems.Add("patient-data-expired");
            }

            if (signature.SupersededAt is not null)
            {
                problems.Add("superseded");
            }
        }

        return new SignatureCheck(signatureValid, problems);
    }

    /// <summary>The approval in force: the newest approve-for-manufacture signature not superseded.</summary>
    public Task<DesignSignature?> CurrentApprovalAsync(Guid orderId, CancellationToken cancellationToken) =>
        db.DesignSignatures.AsNoTracking().Where(s => s.OrderId == orderId && s.Meaning == SignatureMeaning.ApproveForManufacture && s.SupersededAt == null)
            .OrderByDescending(s => s.SignedAt).FirstOrDefaultAsync(cancellationToken);

    private static DateTime? AcquisitionDate(string? value) =>
        value is { Length: >= 8 } && DateTime.TryParseExact(value[..8], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date)
            ? DateTime.SpecifyKind(date.Date, DateTimeKind.Utc)
            : null;
}
