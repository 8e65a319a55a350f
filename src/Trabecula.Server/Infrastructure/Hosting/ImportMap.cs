using System.Security.Cryptography;
using System.Text;

namespace Trabecula.Server.Infrastructure.Hosting;

/// <summary>
/// The one inline script the CSP allows: the import map that lets three.js's loaders (which import
/// the bare specifier "three") resolve to our copy under wwwroot/lib. Import maps cannot be loaded
/// from a file, so the CSP names this exact text by its SHA-256 instead of allowing inline script;
/// any other inline script, or a changed map, is still refused. Pages write <see cref="Json"/> verbatim.
/// </summary>
public static class ImportMap
{
    public const string Json = "{\"imports\":{\"three\":\"/lib/three/build/three.module.js\"}}";

    /// <summary>The element as pages write it (written whole: Razor would otherwise drop its type attribute).</summary>
    public const string ScriptElement = "<script type=\"importmap\">" + Json + "</script>";

    /// <summary>The CSP source expression for <see cref="Json"/>.</summary>
    public static readonly string CspSource = "'sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(Json))) + "'";
}
