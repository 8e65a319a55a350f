namespace Trabecula.Mesh.Tests.TestSupport;

/// <summary>A stream that cannot seek, as a network body.</summary>
internal sealed class ForwardOnlyStream(byte[] bytes) : MemoryStream(bytes)
{
    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();
}
