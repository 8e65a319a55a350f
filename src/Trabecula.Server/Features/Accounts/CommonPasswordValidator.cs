using System.Collections.Frozen;
using Microsoft.AspNetCore.Identity;

namespace Trabecula.Server.Features.Accounts;

/// <summary>
/// Rejects passwords found in the bundled list of 30,000 common and breached passwords
/// (tools/update-common-passwords.sh says where it comes from) and passwords that are the user
/// name: NIST SP 800-63B's "compare against known compromised values", with no composition rules.
/// </summary>
internal sealed class CommonPasswordValidator : IPasswordValidator<TrabeculaUser>
{
    private static readonly Lazy<FrozenSet<string>> Common = new(Load);

    public static int Count => Common.Value.Count;

    public Task<IdentityResult> ValidateAsync(UserManager<TrabeculaUser> manager, TrabeculaUser user, string? password)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (string.IsNullOrEmpty(password))
        {
            return Task.FromResult(IdentityResult.Success); // the length rule reports it
        }

        var lowered = password.ToLowerInvariant();
        if (IsCommon(lowered))
        {
            return Task.FromResult(IdentityResult.Failed(new IdentityError
            {
                Code = "PasswordCommon",
                Description = "This password appears in lists of common or breached passwords; choose another.",
            }));
        }

        if (user.UserName is { Length: > 0 } name && lowered.Contains(name.ToLowerInvariant(), StringComparison.Ordinal))
        {
            return Task.FromResult(IdentityResult.Failed(new IdentityError
            {
                Code = "PasswordContainsUserName",
                Description = "The password must not contain the user name.",
            }));
        }

        return Task.FromResult(IdentityResult.Success);
    }

    /// <summary>Also catches a listed password padded with repeated characters or trailing digits ("password1234").</summary>
    internal static bool IsCommon(string lowered)
    {
        var set = Common.Value;
        if (set.Contains(lowered))
        {
            return true;
        }

        var stripped = lowered.TrimEnd("0123456789!.".ToCharArray());
        return stripped.Length >= 4 && stripped.Length < lowered.Length && set.Contains(stripped);
    }

    private static FrozenSet<string> Load()
    {
        using var stream = typeof(CommonPasswordValidator).Assembly.GetManifestResourceStream("Trabecula.Server.Features.Accounts.common-passwords.txt")
            ?? throw new InvalidOperationException("The common-password list is not embedded.");
        using var reader = new StreamReader(stream);
        var words = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && line[0] != '#')
            {
                words.Add(line);
            }
        }

        return words.ToFrozenSet(StringComparer.Ordinal);
    }
}

