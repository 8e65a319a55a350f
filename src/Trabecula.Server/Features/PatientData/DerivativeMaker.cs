using Microsoft.EntityFrameworkCore;
using Trabecula.Dicom.Deidentification;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Orders;
using Trabecula.Server.Infrastructure.Keys;
using Trabecula.Server.Infrastructure.Storage;

namespace Trabecula.Server.Features.PatientData;

/// <summary>
/// Makes the de-identified derivative of a dataset (R-DATA-6): every instance through the PS3.15
/// Annex E basic profile with Retain Device Identity (R-DATA-2 needs the acquisition device), the
/// case pseudonym as PatientName and PatientID, and UIDs from a per-case secret derived from the
/// master key, so a case's series stay consistent across datasets and re-runs. Files flagged with
/// burned-in annotation get no derivative: they are counted and shown, never passed on.
/// </summary>
public sealed class DerivativeMaker(TrabeculaDbContext db, IBlobStore blobs, MasterKey masterKey)
{
    public sealed record Outcome(int Deidentified, int BurnedIn);

    public async Task<Outcome> MakeAsync(Order order, Guid datasetId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        var pseudonym = await db.Cases.AsNoTracking().Where(c => c.Id == order.CaseId).Select(c => c.Pseudonym).SingleAsync(cancellationToken);
        var deidentifier = new DicomDeidentifier(new DeidentificationOptions
        {
            CaseSecret = masterKey.DeriveKey("trabecula/deidentification/case/" + order.CaseId.ToString("N")),
            PatientNamePseudonym = pseudonym,
            PatientIdPseudonym = pseudonym,
            RetainDeviceIdentity = true,
        });
        var instances = await db.DicomInstances.Where(i => i.DatasetId == datasetId && i.DeidentifiedBlobKey == null && !i.BurnedInAnnotation).ToListAsync(cancellationToken);
        var made = 0;
        var burnedIn = 0;
        foreach (var instance in instances)
        {
            var original = await blobs.GetAsync(instance.BlobKey, instance.Sha256, cancellationToken);
            using var output = new MemoryStream();
            var result = deidentifier.Deidentify(new MemoryStream(original, writable: false), output);
            if (result.HasBurnedInAnnotation)
            {
                instance.BurnedInAnnotation = true;
                burnedIn++;
                continue;
            }

            var stored = await blobs.PutAsync(output.GetBuffer().AsMemory(0, (int)output.Length), new BlobPutOptions
            {
                Sensitivity = BlobSensitivity.NonSensitiveMedical,
                Category = nameof(Permissions.DataClass.DeidentifiedPatientData),
                OrderId = order.Id,
            }, cancellationToken);
            instance.DeidentifiedBlobKey = stored.Key;
            instance.DeidentifiedLength = stored.Length;
            instance.DeidentifiedSha256 = stored.Sha256;
            made++;
        }

        await db.SaveChangesAsync(cancellationToken);
        return new Outcome(made, burnedIn);
    }
}
