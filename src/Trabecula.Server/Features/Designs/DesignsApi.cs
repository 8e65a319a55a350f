using System.IO.Compression;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Trabecula.Mesh;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Orders;
using Trabecula.Server.Features.Permissions;
using Trabecula.Server.Infrastructure.Errors;
using Trabecula.Server.Infrastructure.Security;
using Trabecula.Server.Infrastructure.Storage;

namespace Trabecula.Server.Features.Designs;

/// <summary>
/// Design confirmation (R-DES-1, R-DES-2, R-XFER-1): design versions with their checked models,
/// submission for review, the physician's electronic signature (approve for manufacture or
/// reject), change after approval with its V&amp;V record, release of the production package to
/// the manufacturer, comparison of versions and comments pinned to the model. Every file access asks
/// the stage permission matrix (DesignFiles, ProductionPackage); the lifecycle moves go through the
/// orders feature's transition, in the same unit of work as the act that justifies them.
/// </summary>
internal static class DesignsApi
{
    public static void MapDesignsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/orders/{id:guid}").WithTags("Designs").RequireAuthorization(Policies.Active);
        group.MapGet("/design", OverviewAsync).WithName("DesignOverview")
            .WithSummary("The design stage: versions with files and mesh reports (if the matrix lets you view them), review requests, signatures with their verification, changes, the package, pins.");
        group.MapPost("/designs", UploadAsync).WithName("UploadDesignVersion")
            .WithSummary("The designer uploads a version (multipart: models = STL/AMF/3MF, report = PDF, notes); every model is parsed and checked, a malformed one is 422 with its offset or line.")
            .Accepts<IFormCollection>("multipart/form-data");
        group.MapGet("/designs/{versionId:guid}/files/{fileId:guid}", DownloadFileAsync).WithName("DownloadDesignFile")
            .WithSummary("A model or the report, after its SHA-256 is checked.");
        group.MapPost("/designs/{versionId:guid}/submit", SubmitAsync).WithName("SubmitDesignVersion")
            .WithSummary("Opens a review request for the version (expires after Designs:ReviewValidityDays) and moves the order to DesignReview.");
        group.MapPost("/design/signatures", SignAsync).WithName("SignDesign")
            .WithSummary("The physician re-enters password and TOTP and signs: approve for manufacture (→ DesignApproved) or reject with a reason (→ Designing).");
        group.MapPost("/design/changes", ChangeAsync).WithName("ChangeApprovedDesign")
            .WithSummary("The designer's verification and validation record of a change after approval; supersedes the approval and moves the order back to Designing.");
        group.MapPost("/design/release", ReleaseAsync).WithName("ReleaseProductionPackage")
            .WithSummary("The designer releases the approved, still-valid version as the production package (AM files + manifest with hashes + signature).");
        group.MapGet("/design/package", DownloadPackageAsync).WithName("DownloadProductionPackage")
            .WithSummary("The manufacturer's zip: the AM files and manifest.json; refused if any file no longer hashes as signed.");
        group.MapGet("/design/package/manifest", ManifestAsync).WithName("ProductionPackageManifest")
            .WithSummary("The package manifest: files with SHA-256, the signed document, its signature and the public key.");
        group.MapGet("/designs/compare", CompareAsync).WithName("CompareDesignVersions")
            .WithSummary("Two versions' first models: counts, volume, bounding box, and the per-corner surface deviation (mm) of 'to' from 'from'.");
        group.MapGet("/designs/{versionId:guid}/model", ModelAsync).WithName("DesignViewerModel")
            .WithSummary("The version's first model for the 3D viewer, after its hash is checked.");
        group.MapPost("/designs/{versionId:guid}/pins", PinAsync).WithName("PinDesignComment")
            .WithSummary("A review comment pinned to a point of the model (model coordinates).");
        endpoints.MapGet("/api/signatures/public-key", PublicKey).WithTags("Designs").WithName("DesignSignaturePublicKey")
            .WithSummary("The public key (PEM) that verifies design signatures, and its key id.").RequireAuthorization(Policies.Active);
    }

    internal static Ok<PublicKeyView> PublicKey(DesignSigner signer) => TypedResults.Ok(new PublicKeyView(signer.KeyId, signer.PublicKeyPem));

    internal static async Task<Results<Ok<DesignOverview>, NotFound>> OverviewAsync(
        Guid id, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, DesignApprovals approvals, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        if (order is null)
        {
            return TypedResults.NotFound();
        }

        var overview = await BuildOverviewAsync(order, user, db, policy, approvals, time, cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataViewed) { TargetType = "design-overview", TargetId = order.Number, OrderId = order.Id }, cancellationToken);
        return TypedResults.Ok(overview);
    }

    /// <summary>The overview the API and the review page show; files only for those the matrix lets view them.</summary>
    internal static async Task<DesignOverview> BuildOverviewAsync(
        Order order, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, DesignApprovals approvals, TimeProvider time, CancellationToken cancellationToken)
    {
        var canView = await policy.AuthorizeAsync(user, order, DataClass.DesignFiles, DataAction.View, cancellationToken);
        var canUpload = await policy.AuthorizeAsync(user, order, DataClass.DesignFiles, DataAction.Upload, cancellationToken);
        var canPackage = await policy.AuthorizeAsync(user, order, DataClass.ProductionPackage, DataAction.Download, cancellationToken);
        var versions = await db.DesignVersions.AsNoTracking().Where(v => v.OrderId == order.Id).OrderBy(v => v.Number).ToListAsync(cancellationToken);
        var numbers = versions.ToDictionary(v => v.Id, v => v.Number);
        var files = canView ? await db.DesignFiles.AsNoTracking().Where(f => f.OrderId == order.Id).ToListAsync(cancellationToken) : [];
        var now = time.GetUtcNow().UtcDateTime;
        var requests = await db.DesignReviewRequests.AsNoTracking().Where(r => r.OrderId == order.Id).OrderBy(r => r.SubmittedAt).ToListAsync(cancellationToken);
        var signatures = await db.DesignSignatures.AsNoTracking().Where(s => s.OrderId == order.Id).OrderBy(s => s.SignedAt).ToListAsync(cancellationToken);
        var signatureViews = new List<SignatureView>();
        foreach (var s in signatures)
        {
            signatureViews.Add(ToView(s, numbers[s.VersionId], await approvals.CheckAsync(s, order, cancellationToken)));
        }

        var changes = await db.DesignChangeRecords.AsNoTracking().Where(c => c.OrderId == order.Id).OrderBy(c => c.CreatedAt).ToListAsync(cancellationToken);
        var package = await db.ProductionPackages.AsNoTracking().Where(p => p.OrderId == order.Id && p.RevokedAt == null).OrderByDescending(p => p.ReleasedAt).FirstOrDefaultAsync(cancellationToken);
        PackageView? packageView = null;
        if (package is not null)
        {
            var packageFiles = await db.DesignFiles.AsNoTracking().Where(f => f.VersionId == package.VersionId && f.Kind == DesignFileKind.Model).OrderBy(f => f.FileName)
                .Select(f => new PackageFile(f.Id, f.FileName, f.Format, f.Length, f.Sha256)).ToListAsync(cancellationToken);
            packageView = new PackageView(package.Id, package.VersionId, numbers[package.VersionId], package.SignatureId, package.ManifestSha256, package.ReleasedAt, package.ReleasedByName, packageFiles);
        }

        var pins = canView ? await db.DesignPins.AsNoTracking().Where(p => p.OrderId == order.Id).OrderBy(p => p.CreatedAt).ToListAsync(cancellationToken) : [];
        return new DesignOverview(
            order.State.ToString(), canView, canUpload, canPackage, await approvals.PatientDataValidUntilAsync(order, cancellationToken),
            [.. versions.Select(v => new DesignVersionView(v.Id, v.Number, canView ? v.Notes : "", v.CreatedAt, v.CreatedByName,
                [.. files.Where(f => f.VersionId == v.Id).OrderBy(f => f.Kind).ThenBy(f => f.FileName).Select(ToView)]))],
            [.. requests.Select(r => new ReviewRequestView(r.Id, r.VersionId, numbers[r.VersionId], r.SubmittedAt, r.ExpiresAt, r.SubmittedByName, r.Status.ToString(),
                r.Status == ReviewStatus.Pending && now >= r.ExpiresAt))],
            signatureViews,
            [.. changes.Select(c => new ChangeRecordView(c.Id, c.SupersedesSignatureId, c.WhatChanged, c.Why, c.Evidence, c.CreatedAt, c.CreatedByName))],
            packageView,
            [.. pins.Select(p => new PinView(p.Id, p.VersionId, p.X, p.Y, p.Z, p.Text, p.AuthorName, p.AuthorOrganization, p.CreatedAt))]);
    }

    internal static async Task<Results<Created<DesignVersionView>, NotFound, ValidationProblem, ProblemHttpResult>> UploadAsync(
        Guid id, HttpRequest request, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, IBlobStore blobs, IAuditLog audit, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        if (order is null)
        {
            return TypedResults.NotFound();
        }

        if (!request.HasFormContentType)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, type: ProblemTypes.UnsupportedMediaType,
                detail: "Send multipart/form-data: models (one or more STL, AMF or 3MF files), report (a PDF) and notes.");
        }

        if (!await policy.AuthorizeAsync(user, order, DataClass.DesignFiles, DataAction.Upload, cancellationToken))
        {
            return Forbidden("Design versions are uploaded by the order's designer while designing.");
        }

        var form = await request.ReadFormAsync(cancellationToken);
        var models = form.Files.GetFiles("models");
        var report = form.Files.GetFile("report");
        var notes = form["notes"].ToString().Trim();
        if (models.Count is 0 or > DesignUploads.MaxModels || notes.Length > 4000)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                [models.Count is 0 or > DesignUploads.MaxModels ? "models" : "notes"] = [models.Count is 0 or > DesignUploads.MaxModels
                    ? $"One to {DesignUploads.MaxModels} model files (STL, AMF or 3MF)." : "Notes are at most 4000 characters."],
            }, type: ProblemTypes.Validation);
        }

        // Everything is read and checked before anything is stored: a bad file leaves nothing behind.
        var parsed = new List<(string Name, string Format, byte[] Bytes, MeshReport Report)>();
        foreach (var model in models)
        {
            var name = DesignUploads.CleanName(model.FileName, $"model-{parsed.Count + 1}.stl");
            var bytes = await ReadAllAsync(model, cancellationToken);
            var format = DesignUploads.FormatFor(name);
            try
            {
                parsed.Add((name, format, bytes, DesignUploads.Read(format, bytes).Check()));
            }
            catch (MeshFormatException ex)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, type: ProblemTypes.UnprocessableContent,
                    detail: $"{name}: {ex.Message}",
                    extensions: new Dictionary<string, object?> { ["file"] = name, ["offset"] = ex.Offset, ["line"] = ex.Line, ["reason"] = ex.Reason });
            }
        }

        byte[]? reportBytes = null;
        string? reportName = null;
        if (report is not null)
        {
            reportName = DesignUploads.CleanName(report.FileName, "design-report.pdf");
            reportBytes = await ReadAllAsync(report, cancellationToken);
            if (!DesignUploads.IsPdf(reportBytes))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, type: ProblemTypes.UnprocessableContent,
                    detail: $"{reportName}: the design report must be a PDF (it does not start with %PDF-).",
                    extensions: new Dictionary<string, object?> { ["file"] = reportName, ["offset"] = 0 });
            }
        }

        var now = time.GetUtcNow().UtcDateTime;
        var version = new DesignVersion
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            OrderId = order.Id,
            Notes = notes,
            CreatedAt = now,
            CreatedBy = ActorId(user),
            CreatedByName = user.Identity?.Name ?? "",
        };
        var rows = new List<DesignFile>();
        foreach (var (name, format, bytes, meshReport) in parsed)
        {
            var stored = await blobs.PutAsync(bytes, cancellationToken);
            rows.Add(new DesignFile
            {
                Id = Guid.CreateVersion7(time.GetUtcNow()),
                VersionId = version.Id,
                OrderId = order.Id,
                Kind = DesignFileKind.Model,
                Format = format,
                FileName = name,
                BlobKey = stored.Key,
                Length = stored.Length,
                Sha256 = stored.Sha256,
                MeshReport = meshReport.ToJson(),
                Valid = DesignUploads.IsValid(meshReport),
            });
        }

        if (reportBytes is not null)
        {
            var stored = await blobs.PutAsync(reportBytes, cancellationToken);
            rows.Add(new DesignFile
            {
                Id = Guid.CreateVersion7(time.GetUtcNow()),
                VersionId = version.Id,
                OrderId = order.Id,
                Kind = DesignFileKind.Report,
                Format = "pdf",
                FileName = reportName!,
                BlobKey = stored.Key,
                Length = stored.Length,
                Sha256 = stored.Sha256,
            });
        }

        for (var attempt = 1; ; attempt++)
        {
            version.Number = (await db.DesignVersions.Where(v => v.OrderId == order.Id).MaxAsync(v => (int?)v.Number, cancellationToken) ?? 0) + 1;
            db.DesignVersions.Add(version);
            db.DesignFiles.AddRange(rows);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                break;
            }
            catch (DbUpdateException) when (attempt < 5)
            {
                // Another upload took the number at the same moment: take the next.
                db.ChangeTracker.Clear();
            }
        }

        await audit.RecordAsync(new AuditEvent(AuditAction.DataCreated) { TargetType = "design-version", TargetId = $"{order.Number}/v{version.Number}", OrderId = order.Id }, cancellationToken);
        foreach (var row in rows)
        {
            await audit.RecordAsync(new AuditEvent(AuditAction.DataUploaded)
            {
                TargetType = "design-file",
                TargetId = row.Id.ToString(),
                OrderId = order.Id,
                Details = new Dictionary<string, object?> { ["version"] = version.Number, ["kind"] = row.Kind.ToString(), ["format"] = row.Format, ["bytes"] = row.Length, ["sha256"] = row.Sha256, ["valid"] = row.Valid },
            }, cancellationToken);
        }

        return TypedResults.Created($"/api/orders/{order.Id}/design",
            new DesignVersionView(version.Id, version.Number, version.Notes, version.CreatedAt, version.CreatedByName, [.. rows.Select(ToView)]));
    }

    internal static async Task<Results<FileContentHttpResult, NotFound, ProblemHttpResult>> DownloadFileAsync(
        Guid id, Guid versionId, Guid fileId, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, IBlobStore blobs, IAuditLog audit,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        var file = order is null ? null : await db.DesignFiles.AsNoTracking().SingleOrDefaultAsync(f => f.Id == fileId && f.VersionId == versionId && f.OrderId == id, cancellationToken);
        if (order is null || file is null)
        {
            return TypedResults.NotFound();
        }

        if (!await policy.AuthorizeAsync(user, order, DataClass.DesignFiles, DataAction.Download, cancellationToken))
        {
            return Forbidden("The stage permission matrix does not let you download design files now.");
        }

        var bytes = await ReadCheckedAsync(file, order, blobs, audit, cancellationToken);
        if (bytes is null)
        {
            return IntegrityFailed();
        }

        await audit.RecordAsync(new AuditEvent(AuditAction.DataDownloaded) { TargetType = "design-file", TargetId = file.Id.ToString(), OrderId = order.Id }, cancellationToken);
        return TypedResults.File(bytes, ContentType(file.Format), file.FileName);
    }

    internal static async Task<Results<FileContentHttpResult, NotFound, ProblemHttpResult>> ModelAsync(
        Guid id, Guid versionId, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, IBlobStore blobs, IAuditLog audit,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        var file = order is null ? null : await db.DesignFiles.AsNoTracking().Where(f => f.VersionId == versionId && f.OrderId == id && f.Kind == DesignFileKind.Model)
            .OrderBy(f => f.FileName).ThenBy(f => f.Id).FirstOrDefaultAsync(cancellationToken);
        if (order is null || file is null)
        {
            return TypedResults.NotFound();
        }

        if (!await policy.AuthorizeAsync(user, order, DataClass.DesignFiles, DataAction.View, cancellationToken))
        {
            return Forbidden("The stage permission matrix does not let you view design files now.");
        }

        var bytes = await ReadCheckedAsync(file, order, blobs, audit, cancellationToken);
        if (bytes is null)
        {
            return IntegrityFailed();
        }

        await audit.RecordAsync(new AuditEvent(AuditAction.DataViewed) { TargetType = "design-model", TargetId = file.Id.ToString(), OrderId = order.Id }, cancellationToken);
        return TypedResults.File(bytes, ContentType(file.Format));
    }

    internal static async Task<Results<Ok<ReviewRequestView>, NotFound, ValidationProblem, ProblemHttpResult>> SubmitAsync(
        Guid id, Guid versionId, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, IAuditLog audit, TimeProvider time, TransitionGuards guards,
        IOptions<DesignOptions> options, CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        var version = order is null ? null : await db.DesignVersions.AsNoTracking().SingleOrDefaultAsync(v => v.Id == versionId && v.OrderId == id, cancellationToken);
        if (order is null || version is null)
        {
            return TypedResults.NotFound();
        }

        if (!await policy.AuthorizeAsync(user, order, DataClass.DesignFiles, DataAction.Upload, cancellationToken))
        {
            return Forbidden("The order's designer submits its design versions.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var pending = await db.DesignReviewRequests.Where(r => r.OrderId == id && r.Status == ReviewStatus.Pending).ToListAsync(cancellationToken);
        var request = new DesignReviewRequest
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            OrderId = order.Id,
            VersionId = version.Id,
            SubmittedAt = now,
            ExpiresAt = now.AddDays(options.Value.ReviewValidityDays),
            SubmittedBy = ActorId(user),
            SubmittedByName = user.Identity?.Name ?? "",
            Status = ReviewStatus.Pending,
        };

        if (order.State == OrderState.DesignReview)
        {
            // Under review already: only an expired request may be renewed (or replaced by a newer version).
            if (pending.Any(r => now < r.ExpiresAt))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.Conflict, detail: "A review request is open and has not expired.");
            }

            if (!await db.DesignFiles.AnyAsync(f => f.VersionId == version.Id && f.Kind == DesignFileKind.Model && f.Valid, cancellationToken))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.PreconditionUnmet, detail: "The version has no valid model.",
                    extensions: Unmet("DesignModelInvalid"));
            }

            foreach (var old in pending)
            {
                old.Status = ReviewStatus.Replaced;
                old.ClosedAt = now;
            }

            db.DesignReviewRequests.Add(request);
            await db.SaveChangesAsync(cancellationToken);
        }
        else
        {
            foreach (var old in pending)
            {
                old.Status = ReviewStatus.Replaced;
                old.ClosedAt = now;
            }

            db.DesignReviewRequests.Add(request);
            var moved = await MoveAsync(order.Id, OrderState.DesignReview, $"design v{version.Number} submitted for review", user, db, audit, time, guards, cancellationToken);
            if (moved is not null)
            {
                return moved;
            }
        }

        await audit.RecordAsync(new AuditEvent(AuditAction.DataShared)
        {
            TargetType = "design-review-request",
            TargetId = $"{order.Number}/v{version.Number}",
            OrderId = order.Id,
            Details = new Dictionary<string, object?> { ["expiresAt"] = request.ExpiresAt },
        }, cancellationToken);
        return TypedResults.Ok(new ReviewRequestView(request.Id, version.Id, version.Number, request.SubmittedAt, request.ExpiresAt, request.SubmittedByName, request.Status.ToString(), false));
    }

    internal static async Task<Results<Ok<SignatureView>, NotFound, ValidationProblem, ProblemHttpResult>> SignAsync(
        Guid id, SignRequest body, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, DesignApprovals approvals, DesignSigner signer,
        SignInService signIn, UserManager<TrabeculaUser> users, IBlobStore blobs, IAuditLog audit, TimeProvider time, TransitionGuards guards, CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        if (order is null)
        {
            return TypedResults.NotFound();
        }

        SignatureMeaning meaning;
        switch (body.Meaning?.Trim().ToLowerInvariant())
        {
            case "approve" or "approve for manufacture" or "approveformanufacture":
                meaning = SignatureMeaning.ApproveForManufacture;
                break;
            case "reject":
                meaning = SignatureMeaning.Reject;
                break;
            default:
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["meaning"] = ["\"approve for manufacture\" or \"reject\"."] }, type: ProblemTypes.Validation);
        }

        var reason = string.IsNullOrWhiteSpace(body.Reason) ? null : body.Reason.Trim();
        if (meaning == SignatureMeaning.Reject && reason is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["reason"] = ["A rejection says why."] }, type: ProblemTypes.Validation);
        }

        if (order.InstitutionId != OrganizationOf(user) || !user.IsInRole(Roles.Physician))
        {
            return Forbidden("The institution's physician signs the design decision.");
        }

        if (order.State != OrderState.DesignReview)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.Conflict, detail: $"Nothing to sign: the order is in {order.State}.",
                extensions: new Dictionary<string, object?> { ["state"] = order.State.ToString() });
        }

        if (!await policy.AuthorizeAsync(user, order, DataClass.DesignFiles, DataAction.View, cancellationToken))
        {
            return Forbidden("The stage permission matrix does not let you review this design.");
        }

        var now = ApprovalDocument.Truncate(time.GetUtcNow().UtcDateTime);
        var request = await db.DesignReviewRequests.Where(r => r.OrderId == id && r.Status == ReviewStatus.Pending).OrderByDescending(r => r.SubmittedAt).FirstOrDefaultAsync(cancellationToken);
        if (request is null || (body.VersionId is { } asked && asked != request.VersionId))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.Conflict,
                detail: "The version under review is not the one you signed for; reload the review.");
        }

        if (now >= request.ExpiresAt)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.PreconditionUnmet,
                detail: $"The review request expired at {request.ExpiresAt:yyyy-MM-dd HH:mm} UTC; the designer must submit the version again.",
                extensions: Unmet("ReviewExpired"));
        }

        // Re-authentication (21 CFR 11.200(a)): the session's own account, its password and a fresh TOTP code.
        // Nothing in the request names the signer, so a session cannot sign as anyone else.
        var account = await users.FindByIdAsync(ActorId(user).ToString());
        var check = account is { TwoFactorEnabled: true } && !string.IsNullOrWhiteSpace(body.TotpCode)
            ? await signIn.CheckAsync(account.UserName, body.Password, body.TotpCode, recoveryCode: null, cancellationToken)
            : new Accounts.SignInResult(SignInStatus.Failed);
        if (check.Status != SignInStatus.Succeeded || check.User?.Id != account?.Id)
        {
            await audit.RecordAsync(new AuditEvent(AuditAction.DesignSigned, AuditOutcome.Denied)
            {
                TargetType = "design-signature",
                TargetId = order.Number,
                OrderId = order.Id,
                Details = new Dictionary<string, object?> { ["reason"] = "reauthentication-failed", ["meaning"] = meaning.ToString() },
            }, cancellationToken);
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, type: ProblemTypes.Forbidden,
                detail: "Password or authenticator code not accepted; nothing was signed.", extensions: new Dictionary<string, object?> { ["reason"] = "reauthentication" });
        }

        if (string.IsNullOrWhiteSpace(account!.PractitionerLicenceNumber) || string.IsNullOrWhiteSpace(account.LegalName))
        {
            return Forbidden("A signature carries the signer's verified real name and practitioner licence number; yours are not on record.");
        }

        var version = await db.DesignVersions.AsNoTracking().SingleAsync(v => v.Id == request.VersionId, cancellationToken);
        var files = await approvals.FilesAsync(version.Id, cancellationToken);
        foreach (var (file, _) in files)
        {
            try
            {
                await blobs.GetAsync(file.BlobKey, file.Sha256, cancellationToken);
            }
            catch (BlobIntegrityException)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.Conflict,
                    detail: $"{file.FileName} no longer matches its recorded SHA-256; it cannot be signed.");
            }
        }

        if (meaning == SignatureMeaning.ApproveForManufacture && await approvals.PatientDataValidUntilAsync(order, cancellationToken) is { } until && now >= until)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.PreconditionUnmet,
                detail: $"The confirmed patient data expired on {until:yyyy-MM-dd}; new data must be confirmed before approval.",
                extensions: Unmet("PatientDataExpired"));
        }

        var fingerprint = await approvals.PatientDataFingerprintAsync(order.Id, cancellationToken);
        var organization = user.FindFirstValue(TrabeculaClaimTypes.OrganizationName) ?? "";
        var document = ApprovalDocument.Build(order.Id, order.Number, version.Id, version.Number, request.Id, files.Select(f => f.Signed), fingerprint,
            account.Id, account.LegalName, account.PractitionerLicenceNumber, organization, meaning, reason, now);
        var signature = new DesignSignature
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            OrderId = order.Id,
            VersionId = version.Id,
            ReviewRequestId = request.Id,
            Meaning = meaning,
            Reason = reason,
            SignerId = account.Id,
            SignerName = account.LegalName,
            LicenceNumber = account.PractitionerLicenceNumber,
            OrganizationName = organization,
            SignedAt = now,
            PatientDataFingerprint = fingerprint,
            Document = document,
            Signature = Convert.ToBase64String(signer.Sign(document)),
            KeyId = signer.KeyId,
        };
        request.Status = meaning == SignatureMeaning.ApproveForManufacture ? ReviewStatus.Approved : ReviewStatus.Rejected;
        request.ClosedAt = now;
        db.DesignSignatures.Add(signature);
        var moved = await MoveAsync(order.Id, meaning == SignatureMeaning.ApproveForManufacture ? OrderState.DesignApproved : OrderState.Designing,
            meaning == SignatureMeaning.ApproveForManufacture ? $"design v{version.Number} approved for manufacture by signature" : reason, user, db, audit, time, guards, cancellationToken);
        if (moved is not null)
        {
            return moved;
        }

        await audit.RecordAsync(new AuditEvent(AuditAction.DesignSigned)
        {
            TargetType = "design-signature",
            TargetId = signature.Id.ToString(),
            OrderId = order.Id,
            Details = new Dictionary<string, object?> { ["meaning"] = meaning.ToString(), ["version"] = version.Number, ["keyId"] = signer.KeyId, ["files"] = files.Count },
        }, cancellationToken);
        return TypedResults.Ok(ToView(signature, version.Number, new SignatureCheck(true, [])));
    }

    internal static async Task<Results<Ok<ChangeRecordView>, NotFound, ValidationProblem, ProblemHttpResult>> ChangeAsync(
        Guid id, ChangeRequest body, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, TimeProvider time, TransitionGuards guards, CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        if (order is null)
        {
            return TypedResults.NotFound();
        }

        var errors = new Dictionary<string, string[]>();
        foreach (var (field, value) in new[] { ("whatChanged", body.WhatChanged), ("why", body.Why), ("evidence", body.Evidence) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                errors[field] = ["Required: a change after approval is recorded with what changed, why, and the verification and validation evidence."];
            }
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, type: ProblemTypes.Validation);
        }

        if (order.DesignerId != OrganizationOf(user) || !user.IsInRole(Roles.Designer))
        {
            return Forbidden("The order's designer records a change after approval.");
        }

        var approval = await db.DesignSignatures.Where(s => s.OrderId == id && s.Meaning == SignatureMeaning.ApproveForManufacture && s.SupersededAt == null)
            .OrderByDescending(s => s.SignedAt).FirstOrDefaultAsync(cancellationToken);
        if (order.State != OrderState.DesignApproved || approval is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.Conflict, detail: "Only an approved design is changed through change control.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var change = new DesignChangeRecord
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            OrderId = order.Id,
            SupersedesSignatureId = approval.Id,
            WhatChanged = body.WhatChanged!.Trim(),
            Why = body.Why!.Trim(),
            Evidence = body.Evidence!.Trim(),
            CreatedAt = now,
            CreatedBy = ActorId(user),
            CreatedByName = user.Identity?.Name ?? "",
        };
        approval.SupersededAt = now;
        approval.SupersededByChangeId = change.Id;
        foreach (var package in await db.ProductionPackages.Where(p => p.OrderId == id && p.RevokedAt == null).ToListAsync(cancellationToken))
        {
            package.RevokedAt = now;
        }

        db.DesignChangeRecords.Add(change);
        var moved = await MoveAsync(order.Id, OrderState.Designing, "change after approval: " + change.WhatChanged, user, db, audit, time, guards, cancellationToken);
        if (moved is not null)
        {
            return moved;
        }

        await audit.RecordAsync(new AuditEvent(AuditAction.DataCreated)
        {
            TargetType = "design-change",
            TargetId = change.Id.ToString(),
            OrderId = order.Id,
            Details = new Dictionary<string, object?> { ["supersedes"] = approval.Id.ToString() },
        }, cancellationToken);
        return TypedResults.Ok(new ChangeRecordView(change.Id, approval.Id, change.WhatChanged, change.Why, change.Evidence, change.CreatedAt, change.CreatedByName));
    }

    internal static async Task<Results<Ok<PackageView>, NotFound, ProblemHttpResult>> ReleaseAsync(
        Guid id, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, DesignApprovals approvals, DesignSigner signer, IBlobStore blobs, IAuditLog audit,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        if (order is null)
        {
            return TypedResults.NotFound();
        }

        if (!await policy.AuthorizeAsync(user, order, DataClass.ProductionPackage, DataAction.Upload, cancellationToken))
        {
            return Forbidden("The order's designer releases the approved design as the production package.");
        }

        var approval = await approvals.CurrentApprovalAsync(id, cancellationToken);
        if (approval is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.PreconditionUnmet, detail: "No approval in force.",
                extensions: Unmet("DesignUnsigned"));
        }

        var check = await approvals.CheckAsync(approval, order, cancellationToken);
        if (!check.Valid)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.PreconditionUnmet,
                detail: $"The approval no longer holds ({string.Join(", ", check.Problems)}); re-approval is required.",
                extensions: new Dictionary<string, object?> { ["unmet"] = check.Problems });
        }

        if (await db.ProductionPackages.AnyAsync(p => p.SignatureId == approval.Id, cancellationToken))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.Conflict, detail: "This approval is released already.");
        }

        var version = await db.DesignVersions.AsNoTracking().SingleAsync(v => v.Id == approval.VersionId, cancellationToken);
        var models = (await approvals.FilesAsync(version.Id, cancellationToken)).Where(f => f.File.Kind == DesignFileKind.Model).Select(f => f.File)
            .OrderBy(f => f.FileName, StringComparer.Ordinal).ThenBy(f => f.Id).ToList();
        var now = ApprovalDocument.Truncate(time.GetUtcNow().UtcDateTime);
        var manifest = Manifest(order, version, models, approval, signer, now, user.FindFirstValue(TrabeculaClaimTypes.RealName) ?? user.Identity?.Name ?? "");
        var stored = await blobs.PutAsync(manifest, cancellationToken);
        var package = new ProductionPackage
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            OrderId = order.Id,
            VersionId = version.Id,
            SignatureId = approval.Id,
            ManifestBlobKey = stored.Key,
            ManifestLength = stored.Length,
            ManifestSha256 = stored.Sha256,
            ReleasedAt = now,
            ReleasedBy = ActorId(user),
            ReleasedByName = user.Identity?.Name ?? "",
        };
        db.ProductionPackages.Add(package);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.Conflict, detail: "This approval was released meanwhile.");
        }

        await audit.RecordAsync(new AuditEvent(AuditAction.ProductionPackageReleased)
        {
            TargetType = "production-package",
            TargetId = package.Id.ToString(),
            OrderId = order.Id,
            Details = new Dictionary<string, object?> { ["version"] = version.Number, ["manifestSha256"] = stored.Sha256, ["files"] = models.Count },
        }, cancellationToken);
        return TypedResults.Ok(new PackageView(package.Id, version.Id, version.Number, approval.Id, stored.Sha256, now, package.ReleasedByName,
            [.. models.Select(f => new PackageFile(f.Id, f.FileName, f.Format, f.Length, f.Sha256))]));
    }

    internal static async Task<Results<FileContentHttpResult, NotFound, ProblemHttpResult>> DownloadPackageAsync(
        Guid id, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, DesignReleases releases, IBlobStore blobs, IAuditLog audit,
        Monitoring.AlertService alerts, TimeProvider time, CancellationToken cancellationToken)
    {
        var (order, package, problem) = await PackageForAsync(id, user, db, policy, releases, DataAction.Download, time, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (order is null || package is null)
        {
            return TypedResults.NotFound();
        }

        var check = await releases.VerifyAsync(order, package, cancellationToken);
        if (!check.Valid)
        {
            await alerts.RaiseAsync(Monitoring.AlertKind.IntegrityFailure, order.Number, $"Production package {package.Id} failed verification: {string.Join(", ", check.Problems)}.", cancellationToken);
            await audit.RecordAsync(new AuditEvent(AuditAction.DataDownloaded, AuditOutcome.Failed)
            {
                TargetType = "production-package",
                TargetId = package.Id.ToString(),
                OrderId = order.Id,
                Details = new Dictionary<string, object?> { ["problems"] = string.Join(",", check.Problems) },
            }, cancellationToken);
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.PreconditionUnmet,
                detail: $"The package no longer holds ({string.Join(", ", check.Problems)}); nothing was sent.",
                extensions: new Dictionary<string, object?> { ["unmet"] = check.Problems });
        }

        var row = await db.ProductionPackages.AsNoTracking().SingleAsync(p => p.Id == package.Id, cancellationToken);
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            await AddEntryAsync(archive, "manifest.json", await blobs.GetAsync(row.ManifestBlobKey, row.ManifestSha256, cancellationToken), cancellationToken);
            var index = 0;
            foreach (var file in package.Files)
            {
                var stored = await db.DesignFiles.AsNoTracking().SingleAsync(f => f.Id == file.Id, cancellationToken);
                await AddEntryAsync(archive, $"models/{++index:D2}-{file.Name}", await blobs.GetAsync(stored.BlobKey, stored.Sha256, cancellationToken), cancellationToken);
            }
        }

        await audit.RecordAsync(new AuditEvent(AuditAction.DataDownloaded)
        {
            TargetType = "production-package",
            TargetId = package.Id.ToString(),
            OrderId = order.Id,
            Details = new Dictionary<string, object?> { ["manifestSha256"] = package.ManifestSha256 },
        }, cancellationToken);
        return TypedResults.File(zip.ToArray(), "application/zip", $"{order.Number}-v{package.VersionNumber}-production-package.zip");
    }

    internal static async Task<Results<FileContentHttpResult, NotFound, ProblemHttpResult>> ManifestAsync(
        Guid id, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, DesignReleases releases, IBlobStore blobs, IAuditLog audit, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var (order, package, problem) = await PackageForAsync(id, user, db, policy, releases, DataAction.View, time, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (order is null || package is null)
        {
            return TypedResults.NotFound();
        }

        var row = await db.ProductionPackages.AsNoTracking().SingleAsync(p => p.Id == package.Id, cancellationToken);
        var bytes = await blobs.GetAsync(row.ManifestBlobKey, row.ManifestSha256, cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataViewed) { TargetType = "production-package-manifest", TargetId = package.Id.ToString(), OrderId = order.Id }, cancellationToken);
        return TypedResults.File(bytes, "application/json");
    }

    internal static async Task<Results<Ok<DesignComparison>, NotFound, ValidationProblem, ProblemHttpResult>> CompareAsync(
        Guid id, int? from, int? to, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, IBlobStore blobs, IAuditLog audit,
        IOptions<DesignOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        if (order is null)
        {
            return TypedResults.NotFound();
        }

        if (from is null || to is null || from == to)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["from"] = ["Two different version numbers: ?from=1&to=2."] }, type: ProblemTypes.Validation);
        }

        if (!await policy.AuthorizeAsync(user, order, DataClass.DesignFiles, DataAction.View, cancellationToken))
        {
            return Forbidden("The stage permission matrix does not let you view design files now.");
        }

        var models = await db.DesignFiles.AsNoTracking()
            .Where(f => f.OrderId == id && f.Kind == DesignFileKind.Model && db.DesignVersions.Any(v => v.Id == f.VersionId && (v.Number == from || v.Number == to)))
            .Join(db.DesignVersions, f => f.VersionId, v => v.Id, (f, v) => new { File = f, v.Number })
            .ToListAsync(cancellationToken);
        var a = models.Where(m => m.Number == from).OrderBy(m => m.File.FileName).ThenBy(m => m.File.Id).FirstOrDefault();
        var b = models.Where(m => m.Number == to).OrderBy(m => m.File.FileName).ThenBy(m => m.File.Id).FirstOrDefault();
        if (a is null || b is null)
        {
            return TypedResults.NotFound();
        }

        var meshA = DesignUploads.Read(a.File.Format, await blobs.GetAsync(a.File.BlobKey, a.File.Sha256, cancellationToken));
        var meshB = DesignUploads.Read(b.File.Format, await blobs.GetAsync(b.File.BlobKey, b.File.Sha256, cancellationToken));
        var reportA = meshA.Check();
        var reportB = meshB.Check();
        var deviation = SurfaceDeviation.Measure(InMillimetres(meshB), InMillimetres(meshA), meshA.Indices, options.Value.CompareMaxVertices);
        float[]? corners = null;
        if (meshB.TriangleCount <= options.Value.CompareMaxVertices)
        {
            var indices = meshB.Indices;
            corners = new float[indices.Length];
            for (var i = 0; i < indices.Length; i++)
            {
                corners[i] = MathF.Round(deviation.PerVertexMm[indices[i]], 4);
            }
        }

        await audit.RecordAsync(new AuditEvent(AuditAction.DataViewed)
        {
            TargetType = "design-comparison",
            TargetId = $"{order.Number}/v{from}..v{to}",
            OrderId = order.Id,
        }, cancellationToken);
        return TypedResults.Ok(new DesignComparison(
            Summary(a.Number, a.File.FileName, reportA), Summary(b.Number, b.File.FileName, reportB), reportB.VolumeMm3 - reportA.VolumeMm3,
            deviation.MaxMm, deviation.MeanMm, deviation.RmsMm, deviation.Sampled, deviation.Capped, corners));
    }

    internal static async Task<Results<Created<PinView>, NotFound, ValidationProblem, ProblemHttpResult>> PinAsync(
        Guid id, Guid versionId, PinRequest body, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, IAuditLog audit, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        var version = order is null ? null : await db.DesignVersions.AsNoTracking().SingleOrDefaultAsync(v => v.Id == versionId && v.OrderId == id, cancellationToken);
        if (order is null || version is null)
        {
            return TypedResults.NotFound();
        }

        if (body.X is not { } x || body.Y is not { } y || body.Z is not { } z || !double.IsFinite(x) || !double.IsFinite(y) || !double.IsFinite(z) || string.IsNullOrWhiteSpace(body.Text))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["text"] = ["A point (x, y, z, finite) and a comment."] }, type: ProblemTypes.Validation);
        }

        if (!await policy.AuthorizeAsync(user, order, DataClass.DesignFiles, DataAction.View, cancellationToken))
        {
            return Forbidden("Comments on the model are for those who may view it.");
        }

        var pin = new DesignPin
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            OrderId = order.Id,
            VersionId = version.Id,
            X = x,
            Y = y,
            Z = z,
            Text = body.Text.Trim(),
            AuthorId = ActorId(user),
            AuthorName = user.FindFirstValue(TrabeculaClaimTypes.RealName) ?? user.Identity?.Name ?? "",
            AuthorOrganization = user.FindFirstValue(TrabeculaClaimTypes.OrganizationName) ?? "",
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.DesignPins.Add(pin);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataCreated) { TargetType = "design-pin", TargetId = pin.Id.ToString(), OrderId = order.Id }, cancellationToken);
        return TypedResults.Created($"/api/orders/{id}/design", new PinView(pin.Id, pin.VersionId, x, y, z, pin.Text, pin.AuthorName, pin.AuthorOrganization, pin.CreatedAt));
    }

    /// <summary>
    /// Makes the lifecycle move through the orders feature, saving the rows the caller added in the
    /// same SaveChanges (the guards see them in the change tracker). Null when the move was made;
    /// otherwise the refusal, with the caller's rows discarded.
    /// </summary>
    private static async Task<ProblemHttpResult?> MoveAsync(
        Guid orderId, OrderState to, string? reason, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, TimeProvider time, TransitionGuards guards,
        CancellationToken cancellationToken)
    {
        IResult result;
        try
        {
            result = (await OrdersApi.TransitionAsync(orderId, new TransitionRequest(to.ToString(), reason?.Length > 1000 ? reason[..1000] : reason, null), user, db, audit, time, guards, cancellationToken)).Result;
        }
        catch (DbUpdateException)
        {
            // The unique decision per review request or the order's version token: another request won.
            db.ChangeTracker.Clear();
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.Conflict, detail: "The order changed meanwhile; reload it.");
        }

        if (result is Ok<OrderView>)
        {
            return null;
        }

        db.ChangeTracker.Clear();
        return result as ProblemHttpResult
            ?? TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.Conflict, detail: "The move was refused.");
    }

    private static async Task<(Order? Order, ReleasedPackage? Package, ProblemHttpResult? Problem)> PackageForAsync(
        Guid id, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, DesignReleases releases, DataAction action, TimeProvider time, CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        if (order is null)
        {
            return (null, null, null);
        }

        if (!await policy.AuthorizeAsync(user, order, DataClass.ProductionPackage, action, cancellationToken))
        {
            return (order, null, Forbidden("The production package is the manufacturer's, once the design is approved and released."));
        }

        return (order, await releases.GetReleasedPackageAsync(id, cancellationToken), null);
    }

    private static byte[] Manifest(Order order, DesignVersion version, List<DesignFile> models, DesignSignature approval, DesignSigner signer, DateTime now, string releasedBy)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("type", "trabecula.production-package.v1");
            json.WriteStartObject("order");
            json.WriteString("id", order.Id.ToString());
            json.WriteString("number", order.Number);
            json.WriteString("deviceCategory", order.DeviceCategory);
            json.WriteEndObject();
            json.WriteStartObject("designVersion");
            json.WriteString("id", version.Id.ToString());
            json.WriteNumber("number", version.Number);
            json.WriteEndObject();
            json.WriteStartArray("files");
            var index = 0;
            foreach (var file in models)
            {
                json.WriteStartObject();
                json.WriteString("path", $"models/{++index:D2}-{file.FileName}");
                json.WriteString("id", file.Id.ToString());
                json.WriteString("format", file.Format);
                json.WriteNumber("length", file.Length);
                json.WriteString("sha256", file.Sha256);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartObject("approval");
            json.WriteString("signatureId", approval.Id.ToString());
            json.WriteString("signer", approval.SignerName);
            json.WriteString("licenceNumber", approval.LicenceNumber);
            json.WriteString("meaning", ApprovalDocument.MeaningText(approval.Meaning));
            json.WriteString("signedAtUtc", approval.SignedAt.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteString("document", approval.Document);
            json.WriteString("signature", approval.Signature);
            json.WriteString("algorithm", "ECDSA P-256 SHA-256, IEEE P1363 (r||s), over \"TRABECULA-DESIGN-SIGNATURE-V1\\n\" + document");
            json.WriteString("keyId", approval.KeyId);
            json.WriteString("publicKeyPem", signer.PublicKeyPem);
            json.WriteEndObject();
            json.WriteString("releasedAtUtc", now.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteString("releasedBy", releasedBy);
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static async Task AddEntryAsync(ZipArchive archive, string name, byte[] bytes, CancellationToken cancellationToken)
    {
        var entry = archive.CreateEntry(name, CompressionLevel.Optimal);
        await using var stream = await entry.OpenAsync(cancellationToken);
        await stream.WriteAsync(bytes, cancellationToken);
    }

    private static async Task<byte[]?> ReadCheckedAsync(DesignFile file, Order order, IBlobStore blobs, IAuditLog audit, CancellationToken cancellationToken)
    {
        try
        {
            return await blobs.GetAsync(file.BlobKey, file.Sha256, cancellationToken);
        }
        catch (BlobIntegrityException ex)
        {
            // The store has raised the integrity alert (BlobIntegrityAlerts); here only the refused read is audited.
            await audit.RecordAsync(new AuditEvent(AuditAction.DataDownloaded, AuditOutcome.Failed)
            {
                TargetType = "design-file",
                TargetId = file.Id.ToString(),
                OrderId = order.Id,
                Details = new Dictionary<string, object?> { ["integrity"] = ex.Message },
            }, cancellationToken);
            return null;
        }
    }

    private static ProblemHttpResult IntegrityFailed() => TypedResults.Problem(statusCode: StatusCodes.Status500InternalServerError, type: ProblemTypes.Internal,
        detail: "The stored file failed its integrity check; nothing was returned and an alert was raised.");

    private static System.Numerics.Vector3[] InMillimetres(Mesh.Mesh mesh)
    {
        var scale = (float)mesh.Unit.ToMillimeters();
        var result = new System.Numerics.Vector3[mesh.Vertices.Length];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = mesh.Vertices[i] * scale;
        }

        return result;
    }

    private static ModelSummary Summary(int version, string file, MeshReport r) => new(version, file, r.Triangles, r.Vertices, r.VolumeMm3, r.AreaMm2,
        [r.BoundingBoxMinMm.X, r.BoundingBoxMinMm.Y, r.BoundingBoxMinMm.Z], [r.BoundingBoxMaxMm.X, r.BoundingBoxMaxMm.Y, r.BoundingBoxMaxMm.Z]);

    private static async Task<byte[]> ReadAllAsync(IFormFile file, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream((int)Math.Min(file.Length, int.MaxValue));
        await using var stream = file.OpenReadStream();
        await stream.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }

    internal static string ContentType(string format) => format switch
    {
        "pdf" => "application/pdf",
        "stl" => "model/stl",
        "3mf" => "model/3mf",
        "amf" => "application/x-amf",
        _ => "application/octet-stream",
    };

    private static DesignFileView ToView(DesignFile f) => new(f.Id, f.Kind.ToString(), f.Format, f.FileName, f.Length, f.Sha256, f.Valid,
        f.MeshReport is null ? null : JsonNode.Parse(f.MeshReport));

    internal static SignatureView ToView(DesignSignature s, int versionNumber, SignatureCheck check) => new(
        s.Id, s.VersionId, versionNumber, ApprovalDocument.MeaningText(s.Meaning), s.Reason, s.SignerName, s.LicenceNumber, s.OrganizationName, s.SignedAt, s.KeyId,
        check.Status, check.Problems, s.SupersededAt, s.Document, s.Signature);

    private static Dictionary<string, object?> Unmet(string code) => new() { ["unmet"] = new List<string> { code } };

    private static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, type: ProblemTypes.Forbidden, detail: detail);

    private static Guid ActorId(ClaimsPrincipal user) => Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!);

    private static Guid OrganizationOf(ClaimsPrincipal user) => Guid.Parse(user.FindFirstValue(TrabeculaClaimTypes.OrganizationId)!);
}
