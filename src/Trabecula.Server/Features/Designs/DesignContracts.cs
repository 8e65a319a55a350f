using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;

namespace Trabecula.Server.Features.Designs;

public sealed record DesignFileView(Guid Id, string Kind, string Format, string Name, long Length, string Sha256, bool Valid, JsonNode? MeshReport);

public sealed record DesignVersionView(Guid Id, int Number, string Notes, DateTime CreatedAt, string CreatedBy, IReadOnlyList<DesignFileView> Files);

public sealed record ReviewRequestView(Guid Id, Guid VersionId, int VersionNumber, DateTime SubmittedAt, DateTime ExpiresAt, string SubmittedBy, string Status, bool Expired);

/// <summary>A signature as shown wherever the approval appears: name, licence, time, meaning, and whether it still stands.</summary>
public sealed record SignatureView(
    Guid Id, Guid VersionId, int VersionNumber, string Meaning, string? Reason, string SignerName, string LicenceNumber, string Organization,
    DateTime SignedAt, string KeyId, string Status, IReadOnlyList<string> Problems, DateTime? SupersededAt, string Document, string Signature);

public sealed record ChangeRecordView(Guid Id, Guid SupersedesSignatureId, string WhatChanged, string Why, string Evidence, DateTime CreatedAt, string CreatedBy);

public sealed record PackageView(Guid Id, Guid VersionId, int VersionNumber, Guid SignatureId, string ManifestSha256, DateTime ReleasedAt, string ReleasedBy, IReadOnlyList<PackageFile> Files);

public sealed record PinView(Guid Id, Guid VersionId, double X, double Y, double Z, string Text, string Author, string Organization, DateTime CreatedAt);

/// <summary>The design stage of an order: what the caller may see of it.</summary>
public sealed record DesignOverview(
    string State, bool CanViewFiles, bool CanUpload, bool CanDownloadPackage, DateTime? PatientDataValidUntil,
    IReadOnlyList<DesignVersionView> Versions, IReadOnlyList<ReviewRequestView> Requests, IReadOnlyList<SignatureView> Signatures,
    IReadOnlyList<ChangeRecordView> Changes, PackageView? Package, IReadOnlyList<PinView> Pins);

/// <summary>The physician's decision: meaning, reason (required to reject) and the re-entered password and TOTP code.</summary>
public sealed record SignRequest(
    Guid? VersionId,
    [property: MaxLength(32)] string? Meaning,
    [property: MaxLength(1000)] string? Reason,
    [property: MaxLength(256)] string? Password,
    [property: MaxLength(16)] string? TotpCode);

public sealed record ChangeRequest([property: MaxLength(4000)] string? WhatChanged, [property: MaxLength(4000)] string? Why, [property: MaxLength(4000)] string? Evidence);

public sealed record PinRequest(double? X, double? Y, double? Z, [property: MaxLength(2000)] string? Text);

public sealed record PublicKeyView(string KeyId, string PublicKeyPem);

/// <summary>One model's side of a comparison.</summary>
public sealed record ModelSummary(int Version, string File, int Triangles, int Vertices, double VolumeMm3, double AreaMm2, double[] BboxMinMm, double[] BboxMaxMm);

/// <summary>
/// Two versions side by side: counts, volume and bounding box, and the surface deviation of the
/// newer model from the older one (unsigned distance, mm) per triangle corner in file order,
/// as a three.js STLLoader geometry lays them out; null when the model is beyond the size bound.
/// </summary>
public sealed record DesignComparison(
    ModelSummary From, ModelSummary To, double VolumeChangeMm3, double MaxDeviationMm, double MeanDeviationMm, double RmsDeviationMm,
    int SampledVertices, bool Capped, float[]? CornerDeviationMm);
