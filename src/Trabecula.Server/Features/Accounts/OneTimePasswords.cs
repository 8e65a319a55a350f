using System.Security.Cryptography;

namespace Trabecula.Server.Features.Accounts;

/// <summary>
/// Passwords an administrator hands over once (invitations, the demo seed): 16 characters from an
/// alphabet without look-alikes (no 0/O, 1/l/I), about 93 bits. The account must change it at
/// first sign-in.
/// </summary>
internal static class OneTimePasswords
{
    private const string Alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    public static string New() => RandomNumberGenerator.GetString(Alphabet, 16);
}
