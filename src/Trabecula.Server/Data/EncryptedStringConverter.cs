using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Trabecula.Server.Infrastructure.Keys;

namespace Trabecula.Server.Data;

/// <summary>
/// EF value converter for [Encrypted] columns (Bitwarden's DataProtectionConverter idea): the
/// entity holds plaintext, the database holds <see cref="FieldProtector"/> output.
/// </summary>
internal sealed class EncryptedStringConverter(FieldProtector protector)
    : ValueConverter<string, string>(plain => protector.Protect(plain), stored => protector.Unprotect(stored));

/// <summary>
/// The model embeds the converter and with it one master key's field key, so the model cache must
/// be per protector: two platforms in one process (tests) must not share a model.
/// </summary>
internal sealed class ProtectorModelCacheKeyFactory : IModelCacheKeyFactory
{
    public object Create(DbContext context, bool designTime) =>
        context is TrabeculaDbContext trabecula ? (context.GetType(), trabecula.FieldProtector, designTime) : (context.GetType(), designTime);
}
