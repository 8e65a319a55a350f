using Trabecula.Server.Infrastructure.Storage;

namespace Trabecula.Server.Features.Uploads;

/// <summary>
/// Where an unfinished upload's sealed chunks wait: data/uploads/&lt;upload id&gt;.&lt;part key&gt;.part,
/// one file per key generation (<see cref="SealedUploads"/>), already in the blob format so that
/// the last PATCH can hand it to the blob store as it is. The part key in the name lets a new
/// generation be written beside the old one and lets the sweeper tell the current part from leftovers.
/// </summary>
public sealed class UploadSpool(DataDirectory data)
{
    private const string Extension = ".part";

    public string Folder => data.EnsureSubdirectory("uploads");

    public string PathOf(Guid id, string partKey) => Path.Combine(Folder, $"{id:N}.{partKey}{Extension}");

    /// <summary>A new part file, readable by the server's user only.</summary>
    public FileStream Create(Guid id, string partKey)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.Read, BufferSize = 0 };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(PathOf(id, partKey), options);
    }

    /// <summary>
    /// The part opened for appending after <paramref name="committedLength"/> bytes (the chunks the
    /// row acknowledges). Anything past them was sealed by a request that did not commit, under a
    /// session that was dropped for it, so it is cut off; a part shorter than that is damaged.
    /// </summary>
    public FileStream OpenAppend(Guid id, string partKey, long committedLength)
    {
        // Read as well: a DirectAppendFile reads the last partial block back before writing it again.
        var file = new FileStream(PathOf(id, partKey), new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.ReadWrite, Share = FileShare.Read, BufferSize = 0 });
        try
        {
            if (file.Length < committedLength)
            {
                throw new BlobIntegrityException(partKey, $"the upload's part file is shorter ({file.Length} bytes) than its acknowledged chunks ({committedLength} bytes)");
            }

            file.SetLength(committedLength);
            file.Position = committedLength;
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public FileStream OpenRead(Guid id, string partKey) =>
        new(PathOf(id, partKey), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 20, FileOptions.SequentialScan);

    /// <summary>Cuts a part back to its acknowledged chunks (what a refused request appended goes).</summary>
    public void Truncate(Guid id, string partKey, long committedLength)
    {
        var path = PathOf(id, partKey);
        if (File.Exists(path))
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Read);
            if (file.Length > committedLength)
            {
                file.SetLength(committedLength);
                file.Flush(flushToDisk: true);
            }
        }
    }

    /// <summary>Every part file of the upload, of any generation (and the spool file of the format before it).</summary>
    public void DeleteAll(Guid id)
    {
        var folder = data.PathOf("uploads");
        if (!Directory.Exists(folder))
        {
            return;
        }

        foreach (var path in Directory.EnumerateFiles(folder, $"{id:N}.*"))
        {
            File.Delete(path);
        }
    }

    /// <summary>The upload and part key a file name holds; the part key is null for the older "&lt;id&gt;.part" spool files.</summary>
    public static bool TryParseName(string fileName, out Guid id, out string? partKey)
    {
        partKey = null;
        id = Guid.Empty;
        if (!fileName.EndsWith(Extension, StringComparison.Ordinal))
        {
            return false;
        }

        var stem = fileName[..^Extension.Length];
        var dot = stem.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0)
        {
            return Guid.TryParseExact(stem, "N", out id);
        }

        partKey = stem[(dot + 1)..];
        return Guid.TryParseExact(stem[..dot], "N", out id) && BlobEnvelope.IsKey(partKey);
    }
}
