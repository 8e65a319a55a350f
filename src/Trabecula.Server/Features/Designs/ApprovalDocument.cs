using System.Globalization;
using System.Text.Json;

namespace Trabecula.Server.Features.Designs;

/// <summary>One file as the signature names it.</summary>
public sealed record SignedFile(Guid Id, string Kind, string Name, string Sha256, long Length);

/// <summary>
/// The canonical document an approval signs (21 CFR 11.50: printed name, date and time, meaning;
/// 11.70: linked to exactly the records signed). Canonical means one spelling: properties in a fixed
/// order, no whitespace, invariant numbers, UTC time to the millisecond with "Z", files ordered by
/// kind, name and id. Verification rebuilds it from the stored rows and compares byte for byte, so
/// editing any row the document covers is caught even though the signature itself still verifies.
/// </summary>
public static class ApprovalDocument
{
    public const string Type = "trabecula.design-signature.v1";

    public static string Build(
        Guid orderId, string orderNumber, Guid versionId, int versionNumber, Guid reviewRequestId, IEnumerable<SignedFile> files,
        string patientDataFingerprint, Guid signerId, string signerName, string licenceNumber, string organizationName,
        SignatureMeaning meaning, string? reason, DateTime signedAtUtc)
    {
        ArgumentNullException.ThrowIfNull(files);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("type", Type);
            json.WriteStartObject("order");
            json.WriteString("id", orderId.ToString());
            json.WriteString("number", orderNumber);
            json.WriteEndObject();
            json.WriteStartObject("designVersion");
            json.WriteString("id", versionId.ToString());
            json.WriteNumber("number", versionNumber);
            json.WriteString("reviewRequest", reviewRequestId.ToString());
            json.WriteEndObject();
            json.WriteStartArray("files");
            foreach (var file in files.OrderBy(f => f.Kind, StringComparer.Ordinal).ThenBy(f => f.Name, StringComparer.Ordinal).ThenBy(f => f.Id))
            {
                json.WriteStartObject();
                json.WriteString("id", file.Id.ToString());
                json.WriteString("kind", file.Kind);
                json.WriteString("name", file.Name);
                json.WriteString("sha256", file.Sha256);
                json.WriteNumber("length", file.Length);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteString("patientData", patientDataFingerprint);
            json.WriteStartObject("signer");
            json.WriteString("id", signerId.ToString());
            json.WriteString("realName", signerName);
            json.WriteString("licenceNumber", licenceNumber);
            json.WriteString("organization", organizationName);
            json.WriteEndObject();
            json.WriteString("meaning", MeaningText(meaning));
            if (reason is null)
            {
                json.WriteNull("reason");
            }
            else
            {
                json.WriteString("reason", reason);
            }

            json.WriteString("signedAtUtc", signedAtUtc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The meaning as the document (and every printout) spells it.</summary>
    public static string MeaningText(SignatureMeaning meaning) => meaning switch
    {
        SignatureMeaning.ApproveForManufacture => "approve for manufacture",
        _ => "reject",
    };

    /// <summary>Signing times are kept to the millisecond so that both databases give back exactly what was signed.</summary>
    public static DateTime Truncate(DateTime utc) => new(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
}
