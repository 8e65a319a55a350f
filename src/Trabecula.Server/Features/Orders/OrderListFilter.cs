using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;

namespace Trabecula.Server.Features.Orders;

/// <summary>
/// The order list's filter as it is applied: unknown states ignored, text trimmed, times in UTC,
/// page and size clamped. <see cref="Key"/> names exactly what the query depends on, so two
/// requests with the same key get the same answer (the cache key of <see cref="OrderListCache"/>).
/// </summary>
public sealed record OrderListFilter(OrderState? State, string? Category, string? Number, Guid? Participant, DateTime? From, DateTime? To, int Page, int PageSize)
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 100;

    public static OrderListFilter Parse(string? state, string? category, string? number, Guid? participant, DateTime? from, DateTime? to, int? page, int? pageSize) =>
        new(
            Enum.TryParse<OrderState>(state, out var s) && Enum.IsDefined(s) ? s : null,
            string.IsNullOrWhiteSpace(category) ? null : category,
            string.IsNullOrWhiteSpace(number) ? null : number.Trim(),
            participant,
            from?.ToUniversalTime(),
            to?.ToUniversalTime(),
            Math.Max(page ?? 1, 1),
            Math.Clamp(pageSize ?? DefaultPageSize, 1, MaxPageSize));

    public string Key => string.Join('|',
        State?.ToString() ?? "", Escape(Category), Escape(Number), Participant?.ToString("N") ?? "",
        From?.Ticks.ToString(CultureInfo.InvariantCulture) ?? "", To?.Ticks.ToString(CultureInfo.InvariantCulture) ?? "",
        Page.ToString(CultureInfo.InvariantCulture), PageSize.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// One index range of the organization's listing rows (<see cref="OrderListing"/>): the orders
    /// table is not touched, and every filter narrows the same range. Count and page share one
    /// opened connection: opening a pooled SQLite connection re-registers EF's functions and takes
    /// the pool's lock, which showed in the list's profile.
    /// </summary>
    public async Task<OrderPage> RunAsync(TrabeculaDbContext db, Guid organization, CancellationToken cancellationToken)
    {
        var query = db.OrderListings.AsNoTracking().Where(l => l.OrganizationId == organization);
        if (State is { } state)
        {
            query = query.Where(l => l.State == state);
        }

        if (Category is { } category)
        {
            query = query.Where(l => l.DeviceCategory == category);
        }

        if (Participant is { } other)
        {
            // Orders shared with one partner organization ("everything we do with Factory X").
            query = query.Where(l => db.OrderListings.Any(p => p.OrderId == l.OrderId && p.OrganizationId == other));
        }

        if (Number is { } prefix)
        {
            query = query.Where(l => l.Number.StartsWith(prefix));
        }

        if (From is { } from)
        {
            query = query.Where(l => l.CreatedAt >= from);
        }

        if (To is { } to)
        {
            query = query.Where(l => l.CreatedAt < to);
        }

        await db.Database.OpenConnectionAsync(cancellationToken);
        var total = await query.CountAsync(cancellationToken);
        var rows = await query.OrderByDescending(l => l.CreatedAt).ThenByDescending(l => l.OrderId).Skip((Page - 1) * PageSize).Take(PageSize)
            .Select(l => new { l.OrderId, l.Number, l.State, l.Pseudonym, l.DeviceCategory, l.CreatedAt, l.UpdatedAt })
            .ToListAsync(cancellationToken);
        var items = rows.Select(o => new OrderSummary(o.OrderId, o.Number, o.State.ToString(), o.Pseudonym, o.DeviceCategory, o.CreatedAt, o.UpdatedAt)).ToList();
        return new OrderPage(items, total, Page, PageSize);
    }

    // The separator cannot occur inside a part, so different filters never share a key.
    private static string Escape(string? text) => text is null ? "" : text.Replace("%", "%25", StringComparison.Ordinal).Replace("|", "%7C", StringComparison.Ordinal);
}

/// <summary>An order list page already serialized (by the API's own JSON options), written as it is.</summary>
public sealed class OrderListResult(byte[] json) : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult, IContentTypeHttpResult
{
    private const string Json = "application/json; charset=utf-8";

    public int? StatusCode => StatusCodes.Status200OK;

    public string ContentType => Json;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = StatusCodes.Status200OK;
        httpContext.Response.ContentType = Json;
        httpContext.Response.ContentLength = json.Length;
        return httpContext.Response.Body.WriteAsync(json).AsTask();
    }

    /// <summary>For OpenAPI: the body is an <see cref="OrderPage"/>, as if TypedResults.Ok had written it.</summary>
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(OrderPage), ["application/json"]));
}
