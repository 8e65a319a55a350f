using System.Resources;

[assembly: NeutralResourcesLanguage("zh-CN")]

namespace Trabecula.Server;

/// <summary>
/// Anchor type for the shared UI strings in Resources/SharedResource.resx (Simplified Chinese,
/// the neutral language) and SharedResource.en.resx (English).
/// </summary>
public sealed class SharedResource;
