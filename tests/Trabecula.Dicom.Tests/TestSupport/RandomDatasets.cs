using System.Text;
using Trabecula.Dicom.Dictionary;

namespace Trabecula.Dicom.Tests.TestSupport;

/// <summary>
/// Random but valid data sets for round-trip properties: dictionary tags with their own VR (so
/// implicit VR reads them back the same), private blocks, nested sequences with defined and
/// undefined lengths, odd and empty values.
/// </summary>
internal static class RandomDatasets
{
    private static readonly DicomTag[] PublicTags =
    [
        new(0x0008, 0x0008), new(0x0008, 0x0020), new(0x0008, 0x0060), new(0x0008, 0x0080), new(0x0010, 0x0010),
        new(0x0010, 0x0020), new(0x0010, 0x1010), new(0x0018, 0x0050), new(0x0018, 0x1020), new(0x0020, 0x0013),
        new(0x0020, 0x0032), new(0x0028, 0x0010), new(0x0028, 0x0030), new(0x0028, 0x1052), new(0x0018, 0x9306),
        new(0x0020, 0x000D), new(0x0028, 0x1203), new(0x0040, 0xA30A), new(0x0018, 0x6034), new(0x0054, 0x0081),
        new(0x0008, 0x1140), new(0x0040, 0x0275), new(0x0008, 0x0100), new(0x0020, 0x4000), new(0x0008, 0x0119),
    ];

    public static DicomDataset Create(Random random, int depth)
    {
        var ds = new DicomDataset();
        var count = random.Next(1, depth == 0 ? 14 : 5);
        for (var i = 0; i < count; i++)
        {
            var tag = PublicTags[random.Next(PublicTags.Length)];
            Assert.True(DicomDictionary.Default.TryGetEntry(tag, out var entry));
            if (entry.VR == DicomVR.SQ)
            {
                if (depth < 3)
                {
                    var sequence = new DicomSequence(tag) { HasUndefinedLength = random.Next(2) == 0 };
                    for (var n = random.Next(0, 3); n > 0; n--)
                    {
                        var item = Create(random, depth + 1);
                        item.HasUndefinedLength = random.Next(2) == 0;
                        sequence.Add(item);
                    }

                    ds.AddOrUpdate(sequence);
                }

                continue;
            }

            ds.AddOrUpdate(new DicomElement(tag, entry.VR, Value(random, entry.VR)));
        }

        if (random.Next(2) == 0)
        {
            ds.AddOrUpdate(new DicomElement(new DicomTag(0x0029, 0x0010), DicomVR.LO, Encoding.ASCII.GetBytes("RANDOM ")));
            ds.AddOrUpdate(new DicomElement(new DicomTag(0x0029, 0x1001), DicomVR.UN, Bytes(random, random.Next(0, 9) * 2)));
        }

        return ds;
    }

    private static byte[] Value(Random random, DicomVR vr)
    {
        var unit = vr switch
        {
            DicomVR.US or DicomVR.SS or DicomVR.OW => 2,
            DicomVR.UL or DicomVR.SL or DicomVR.FL or DicomVR.OF or DicomVR.AT => 4,
            DicomVR.FD or DicomVR.OD => 8,
            _ => 0,
        };
        if (unit > 0)
        {
            return Bytes(random, unit * random.Next(0, 4));
        }

        var length = random.Next(0, 24);
        var text = new char[length];
        for (var i = 0; i < length; i++)
        {
            text[i] = (char)random.Next('A', 'Z' + 1);
        }

        return Encoding.ASCII.GetBytes(new string(text));
    }

    private static byte[] Bytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
