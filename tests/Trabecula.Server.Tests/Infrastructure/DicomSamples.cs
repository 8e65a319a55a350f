namespace Trabecula.Server.Tests.Infrastructure;

/// <summary>
/// A small CT series made once per test run by pydicom through tools/fixtures/make-ct-series.py
/// (outside code, not ours), for tests that upload patient data.
/// </summary>
internal static class DicomSamples
{
    private static readonly Lazy<Task<IReadOnlyList<string>>> Series = new(MakeAsync);

    public const string PatientNameInSeries = "Doe^John^Q";

    public static Task<IReadOnlyList<string>> SeriesAsync() => Series.Value;

    private static async Task<IReadOnlyList<string>> MakeAsync()
    {
        var folder = Directory.CreateTempSubdirectory("trabecula-ct-").FullName;
        var result = await ProcessRunner.RunAsync("/usr/bin/python3",
            [Path.Combine(RepositoryPaths.Root, "tools", "fixtures", "make-ct-series.py"), folder, "-n", "4", "--rows", "64", "--cols", "64"]);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException("make-ct-series.py failed (python3-pydicom installed?): " + result.StandardError);
        }

        return [.. Directory.GetFiles(folder, "*.dcm").Order(StringComparer.Ordinal)];
    }

    /// <summary>Opens a dataset on the order, posts every file of the series, confirms it; returns the dataset id.</summary>
    public static async Task<string> UploadAndConfirmAsync(HttpClient physician, string orderId)
    {
        ArgumentNullException.ThrowIfNull(physician);
        using var created = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(physician, $"/api/orders/{orderId}/datasets", new { kind = "MedicalImaging", description = "CT" });
        created.EnsureSuccessStatusCode();
        var dataset = (string)System.Text.Json.Nodes.JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!;
        foreach (var file in await SeriesAsync())
        {
            using var content = new ByteArrayContent(await File.ReadAllBytesAsync(file));
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/dicom");
            using var stored = await physician.PostAsync(new Uri($"/api/orders/{orderId}/datasets/{dataset}/instances", UriKind.Relative), content);
            stored.EnsureSuccessStatusCode();
        }

        using var confirmed = await physician.PostAsync(new Uri($"/api/orders/{orderId}/datasets/{dataset}/confirm", UriKind.Relative), null);
        confirmed.EnsureSuccessStatusCode();
        return dataset;
    }
}
