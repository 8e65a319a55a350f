using System.Globalization;
using System.Text;
using PdfSharp.Drawing;
using PdfSharp.Pdf;
using Trabecula.Server.Features.Production;

namespace Trabecula.Server.Features.Traceability;

/// <summary>The exports of trace queries: the recall list as CSV and PDF, and the per-device report a regulator can read on its own.</summary>
internal static class TraceReports
{
    public static string RecallCsv(RecallList recall)
    {
        var csv = new StringBuilder();
        csv.Append("order,state,category,institution,udi,serial,lot,released_at\r\n");
        foreach (var r in recall.Devices)
        {
            csv.AppendJoin(',', new[]
            {
                r.OrderNumber, r.State, r.DeviceCategory, r.Institution, r.ElementString ?? "", r.SerialNumber ?? "", r.Lot ?? "",
                r.ReleasedAt?.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) ?? "",
            }.Select(Cell)).Append("\r\n");
        }

        return csv.ToString();
    }

    /// <summary>RFC 4180 quoting; a leading = + - @ is neutralised so that a spreadsheet never runs a cell as a formula.</summary>
    private static string Cell(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    public static byte[] RecallPdf(RecallList recall, DateTime now)
    {
        using var writer = new PdfTextWriter($"召回清单 Recall list: {recall.Kind}");
        writer.Heading($"召回清单 Recall list — {recall.Kind}: {recall.Record}");
        writer.Line($"Generated {TraceApi.Invariant(now)} · {recall.Devices.Count} orders");
        writer.Gap();
        foreach (var r in recall.Devices)
        {
            writer.Line($"{r.OrderNumber}  {r.State}  {r.DeviceCategory}  {r.Institution}");
            writer.Line($"    UDI {r.ElementString ?? "— (not released)"}", small: true);
        }

        return writer.Save();
    }

    public static byte[] DeviceReport(DeviceHistory h, DateTime now)
    {
        using var w = new PdfTextWriter("Traceability report " + h.Device.ElementString);
        w.Heading("器械追溯报告 Device traceability report");
        w.Line($"Generated {TraceApi.Invariant(now)} by Trabecula");
        w.Gap();
        w.Section("器械 Device");
        w.Line($"{h.Order.DeviceName} ({h.Order.DeviceCategory})");
        w.Line($"UDI {h.Device.ElementString}");
        w.Line($"UDI-DI {h.Device.Gtin} · SN {h.Device.SerialNumber} · LOT {h.Device.LotNumber} · MFG {h.Device.ManufacturedOn:yyyy-MM-dd} · EXP {h.Device.ExpiresOn:yyyy-MM-dd}");
        w.Line($"Released {TraceApi.Invariant(h.Device.ReleasedAt)} by {h.Device.ReleasedBy}");
        w.Section("订单 Order");
        w.Line($"{h.Order.Number} · {h.Order.State} · patient {h.Order.Pseudonym}");
        w.Line($"Institution {h.Order.Institution} · Designer {h.Order.Designer ?? "—"} · Manufacturer {h.Order.Manufacturer ?? "—"} · Registrant {h.Order.Registrant ?? "—"}");
        w.Section("需求 Requirement revisions");
        foreach (var r in h.Requirements)
        {
            w.Line($"r{r.Revision} {TraceApi.Invariant(r.CreatedAt)} {r.CreatedBy}: {r.AnatomicalSite} — {r.ClinicalRequirement}" + (r.Reason is null ? "" : $" (why: {r.Reason})"));
        }

        w.Section("患者数据 Patient datasets");
        foreach (var d in h.Datasets)
        {
            w.Line($"{d.Kind} {d.Description}: {d.Instances} files, by {d.CreatedBy}; confirmed {(d.ConfirmedAt is { } c ? TraceApi.Invariant(c) + " by " + d.ConfirmedBy : "no")}");
        }

        w.Section("设计 Design");
        if (h.Design.Count == 0)
        {
            w.Line("Design versions and signatures: see the lifecycle moves and audit entries below.");
        }

        foreach (var d in h.Design)
        {
            w.Line($"{d.Kind} {d.Version} {TraceApi.Invariant(d.OccurredAt)} {d.Actor} {d.Meaning} {d.Sha256}");
        }

        if (h.Package is { } package)
        {
            w.Line($"Released package {package.Version} SHA-256 {package.Sha256}");
        }

        w.Section("生产记录 Production steps");
        foreach (var s in h.Steps)
        {
            w.Line($"{s.Step.Kind} {s.Step.Result} · {TraceApi.Invariant(s.Step.StartedAt)} – {TraceApi.Invariant(s.Step.EndedAt)} · operator {s.Step.Operator}");
            var refs = new List<string>();
            if (s.MachineSerial is not null)
            {
                refs.Add($"machine {s.MachineSerial} ({s.MachineProcess})");
            }

            if (s.MaterialLot is not null)
            {
                refs.Add($"material {s.Material} lot {s.MaterialLot}");
            }

            if (s.SterilizationCycle is not null)
            {
                refs.Add($"sterilization {s.SterilizationMethod} cycle {s.SterilizationCycle}, indicator {s.Indicator}");
            }

            if (s.Step.Equipment.Length > 0)
            {
                refs.Add("equipment " + s.Step.Equipment);
            }

            if (refs.Count > 0)
            {
                w.Line("    " + string.Join("; ", refs), small: true);
            }

            if (s.Step.Parameters.Count > 0)
            {
                w.Line("    " + string.Join("; ", s.Step.Parameters.Select(p => $"{p.Key}={p.Value}")), small: true);
            }

            if (s.Step.QaSignedAt is { } qa)
            {
                w.Line($"    QA {(s.Step.QaApproved == true ? "approved" : "rejected")} by {s.Step.QaSignedBy} {TraceApi.Invariant(qa)}", small: true);
            }
        }

        w.Section("流转 Lifecycle");
        foreach (var t in h.Transitions)
        {
            w.Line($"{TraceApi.Invariant(t.OccurredAt)} {t.Name} → {t.To} by {t.Actor} ({t.Organization})");
        }

        w.Section("交付与使用 Delivery and use");
        if (h.Delivery is { } d2)
        {
            w.Line($"Shipped {TraceApi.Invariant(d2.SentAt)} by {d2.SentBy} via {d2.Carrier} {d2.TrackingNumber}");
            w.Line(d2.ReceivedAt is { } r2 ? $"Received {TraceApi.Invariant(r2)} by {d2.ReceivedBy}: {d2.Condition}, package intact {d2.PackageIntact}" : "Not received yet");
        }

        if (h.Use is { } u)
        {
            w.Line($"Surgery {u.SurgeryDate:yyyy-MM-dd} by {u.Surgeon}: fit {u.Fit}{(u.FitNotes is null ? "" : " — " + u.FitNotes)}; scanned {u.ScannedCode.Replace(Gs1.GroupSeparator, ' ')}");
            w.Line($"Adverse events: {(string.IsNullOrWhiteSpace(u.AdverseEvents) ? "none" : u.AdverseEvents)}");
        }

        w.Section("随访 Follow-ups");
        foreach (var f in h.FollowUps)
        {
            w.Line($"{f.Month} months, due {f.DueOn:yyyy-MM-dd}: " + (f.PerformedOn is { } p ? $"{p:yyyy-MM-dd} {f.Outcome}; complications {f.Complications ?? "none"}; feedback {f.Feedback}" : f.Overdue ? "OVERDUE" : "open"));
        }

        w.Section("审计 Audit entries");
        foreach (var a in h.Audit)
        {
            w.Line($"#{a.Sequence} {TraceApi.Invariant(a.OccurredAt)} {a.Action} {a.Outcome} {a.Actor} {a.TargetType} {a.TargetId}", small: true);
        }

        return w.Save();
    }

    /// <summary>Lines of text on A4 pages, a new page when one is full, in the CJK-capable font.</summary>
    private sealed class PdfTextWriter : IDisposable
    {
        private const double Margin = 40;
        private readonly PdfDocument _document = new();
        private readonly PdfText _heading = new(14, bold: true);
        private readonly PdfText _section = new(11, bold: true);
        private readonly PdfText _text = new(9);
        private readonly PdfText _small = new(7.5);
        private XGraphics? _graphics;
        private PdfPage? _page;
        private double _y;

        public PdfTextWriter(string title)
        {
            _document.Info.Title = title;
            _document.Info.Creator = "Trabecula";
            NewPage();
        }

        public void Heading(string text) => Write(text, _heading, 20);

        public void Section(string text)
        {
            Gap();
            Write(text, _section, 15);
        }

        public void Line(string text, bool small = false)
        {
            // Long lines wrap by characters: CJK text has no spaces to break at.
            var font = small ? _small : _text;
            var width = _page!.Width.Point - (2 * Margin);
            var rest = text;
            while (rest.Length > 0)
            {
                var take = rest.Length;
                while (take > 1 && font.Width(_graphics!, rest[..take]) > width)
                {
                    take = Math.Max(1, take * 9 / 10);
                }

                Write(rest[..take], font, small ? 10 : 12);
                rest = rest[take..];
            }
        }

        public void Gap() => _y += 6;

        public byte[] Save()
        {
            _graphics?.Dispose();
            _graphics = null;
            using var output = new MemoryStream();
            _document.Save(output, closeStream: false);
            return output.ToArray();
        }

        public void Dispose()
        {
            _graphics?.Dispose();
            _document.Dispose();
        }

        private void Write(string text, PdfText font, double height)
        {
            if (_y + height > _page!.Height.Point - Margin)
            {
                NewPage();
            }

            _y += height;
            font.Draw(_graphics!, text, Margin, _y);
        }

        private void NewPage()
        {
            _graphics?.Dispose();
            _page = _document.AddPage();
            _page.Size = PdfSharp.PageSize.A4;
            _graphics = XGraphics.FromPdfPage(_page);
            _y = Margin;
        }
    }
}
