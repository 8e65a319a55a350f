using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Trabecula.Server.Infrastructure.Data;

/// <summary>
/// Stores every DateTime as UTC and reads it back with Kind=Utc. SQLite keeps text without a
/// kind, and PostgreSQL's timestamptz refuses local times; one rule serves both.
/// </summary>
internal sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
    value => value.Kind == DateTimeKind.Utc ? value : value.ToUniversalTime(),
    value => DateTime.SpecifyKind(value, DateTimeKind.Utc));
