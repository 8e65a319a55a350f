using System.Globalization;
using Microsoft.EntityFrameworkCore;
using PdfSharp.Drawing;
using PdfSharp.Pdf;
using QRCoder;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Orders;

namespace Trabecula.Server.Features.Production;

/// <summary>What a device label shows (R-TRACE-1, GS1 UDI): the codes, the order and who answers for the device.</summary>
public sealed record LabelContent(
    string ElementString, string Encoded, string OrderNumber, string Pseudonym, string DeviceName, string Manufacturer, string? ProductionLicence,
    string? Registrant, string? RegistrationNumber, string? Sterilization, DateOnly ManufacturedOn, DateOnly ExpiresOn, string Lot, string Serial);

/// <summary>The printable label: a PDF page of 100 × 70 mm with the GS1 data in a QR code and as text.</summary>
public static class DeviceLabel
{
    public static async Task<LabelContent?> LoadAsync(TrabeculaDbContext db, Order order, ProductionRoute route, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(route);
        var device = await db.DeviceIdentifiers.AsNoTracking().SingleOrDefaultAsync(d => d.OrderId == order.Id, cancellationToken);
        if (device is null)
        {
            return null;
        }

        var pseudonym = await db.Cases.AsNoTracking().Where(c => c.Id == order.CaseId).Select(c => c.Pseudonym).SingleAsync(cancellationToken);
        var manufacturer = await db.Organizations.AsNoTracking().SingleOrDefaultAsync(o => o.Id == order.ManufacturerId, cancellationToken);
        var registrant = order.RegistrantId is null ? null : await db.Organizations.AsNoTracking().SingleOrDefaultAsync(o => o.Id == order.RegistrantId, cancellationToken);
        var batch = await db.ProductionSteps.AsNoTracking()
            .Where(s => s.OrderId == order.Id && s.Kind == ProductionStepKind.Sterilization && s.SterilizationBatchId != null)
            .OrderByDescending(s => s.RecordedAt)
            .Join(db.SterilizationBatches, s => s.SterilizationBatchId, b => b.Id, (s, b) => b)
            .FirstOrDefaultAsync(cancellationToken);
        return new LabelContent(
            device.ElementString, Gs1.Encoded(device.Parts()), order.Number, pseudonym, route.ProfileFor(order).DeviceName, manufacturer?.Name ?? "",
            manufacturer?.ProductionLicenceNumber, registrant?.Name, registrant?.RegistrationNumber,
            batch is null ? null : $"{batch.Method} {batch.CycleId}" + (batch.EndedAt is { } at ? " " + at.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : ""),
            device.ManufacturedOn, device.ExpiresOn, device.LotNumber, device.SerialNumber);
    }

    public static byte[] Render(LabelContent label)
    {
        ArgumentNullException.ThrowIfNull(label);
        using var document = new PdfDocument();
        document.Info.Title = "UDI " + label.ElementString;
        document.Info.Creator = "Trabecula";
        var page = document.AddPage();
        page.Width = XUnit.FromMillimeter(100);
        page.Height = XUnit.FromMillimeter(70);
        using (var g = XGraphics.FromPdfPage(page))
        {
            var title = new PdfText(10, bold: true);
            var text = new PdfText(6);
            var small = new PdfText(5.5);
            var mm = XUnit.FromMillimeter(1).Point;
            title.Draw(g, label.DeviceName, 4 * mm, 7 * mm);

            // The QR code, drawn module by module as vector squares: sharp at any printer's resolution.
            DrawQr(g, label.Encoded, 4 * mm, 10 * mm, 34 * mm);

            var x = 41 * mm;
            var y = 13 * mm;
            foreach (var line in new[]
            {
                $"UDI-DI (01) {label.ElementString[4..18]}",
                $"SN (21) {label.Serial}",
                $"LOT (10) {label.Lot}",
                $"MFG (11) {label.ManufacturedOn:yyyy-MM-dd}",
                $"EXP (17) {label.ExpiresOn:yyyy-MM-dd}",
                $"订单 Order {label.OrderNumber}",
                $"患者 Patient {label.Pseudonym}",
                $"生产企业 Manufacturer {label.Manufacturer}",
                label.ProductionLicence is null ? "" : $"生产许可 {label.ProductionLicence}",
                label.Registrant is null ? "" : $"注册人 Registrant {label.Registrant}",
                label.RegistrationNumber is null ? "" : $"注册证 {label.RegistrationNumber}",
                label.Sterilization is null ? "" : $"灭菌 Sterile {label.Sterilization}",
            }.Where(l => l.Length > 0))
            {
                text.Draw(g, line, x, y);
                y += 3.4 * mm;
            }

            small.Draw(g, label.ElementString, 4 * mm, 59 * mm);
            small.Draw(g, "定制式医疗器械 Custom-made device", 4 * mm, 64 * mm);
        }

        using var output = new MemoryStream();
        document.Save(output, closeStream: false);
        return output.ToArray();
    }

    /// <summary>A QR code of <paramref name="data"/> (byte mode, error correction M) as filled squares in a square of <paramref name="size"/> points.</summary>
    public static void DrawQr(XGraphics g, string data, double left, double top, double size)
    {
        ArgumentNullException.ThrowIfNull(g);
        using var generator = new QRCodeGenerator();
        using var qr = generator.CreateQrCode(data, QRCodeGenerator.ECCLevel.M);
        var matrix = qr.ModuleMatrix;
        var module = size / matrix.Count;
        for (var row = 0; row < matrix.Count; row++)
        {
            for (var column = 0; column < matrix[row].Count; column++)
            {
                if (matrix[row][column])
                {
                    // A hair of overlap so that no white seams show between neighbouring modules.
                    g.DrawRectangle(XBrushes.Black, left + (column * module), top + (row * module), module + 0.05, module + 0.05);
                }
            }
        }
    }
}
