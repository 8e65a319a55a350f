using System.Text;
using Trabecula.Dicom.Deidentification;
using Trabecula.Dicom.Tests.TestSupport;

namespace Trabecula.Dicom.Tests.Deidentification;

/// <summary>
/// SECURITY-TESTPLAN UP-08: canary PHI planted (pydicom) in every identifying attribute of a real
/// series, sequences and private elements included; after de-identification pydicom and a byte grep
/// find none, dcmdump reads the output and dciodvfy reports no error the input did not have.
/// </summary>
[Collection(CtSeriesDefinition.Name)]
public sealed class CanaryTests(CtSeriesFixture fixture)
{
    private static string Script(string name) =>
        Path.Combine(RepositoryPaths.Root, "tests", "Trabecula.Dicom.Tests", "Deidentification", "Scripts", name);

    [Fact]
    [Trait("Requirement", "R-DATA-6")]
    [Trait("TestPlan", "UP-08")]
    public void Deidentify_CanariesEverywhere_NoneSurvive()
    {
        var deidentifier = new DicomDeidentifier(new DeidentificationOptions
        {
            CaseSecret = Encoding.ASCII.GetBytes("canary-case-secret-0001"),
            PatientNamePseudonym = "CASE^0001",
        });
        foreach (var slice in fixture.Slices.Take(2))
        {
            var planted = fixture.NewPath("planted.dcm");
            var canaries = fixture.NewPath("canaries.txt");
            var output = fixture.NewPath("deid.dcm");
            ExternalTool.RunChecked(ExternalTool.Python, Script("plant-canaries.py"), slice, planted, canaries);
            Assert.NotEqual("CLEAN", ExternalTool.Run(ExternalTool.Python, Script("find-canaries.py"), planted, canaries).StdOut.Trim());

            using (var input = File.OpenRead(planted))
            using (var stream = File.Create(output))
            {
                deidentifier.Deidentify(input, stream);
            }

            var (code, found, errors) = ExternalTool.Run(ExternalTool.Python, Script("find-canaries.py"), output, canaries);
            Assert.True(code == 0, "canaries survived de-identification:\n" + found + errors);
            ExternalTool.RunChecked("dcmdump", "-q", output);
            var newErrors = DciodvfyErrors(output).Except(DciodvfyErrors(planted)).ToList();
            Assert.True(newErrors.Count == 0, "dciodvfy reports new errors:\n" + string.Join('\n', newErrors));
        }
    }

    private static HashSet<string> DciodvfyErrors(string path)
    {
        var (_, stdout, stderr) = ExternalTool.Run("dciodvfy", path);
        return (stdout + "\n" + stderr).Split('\n')
            .Where(l => l.StartsWith("Error", StringComparison.Ordinal))
            .Select(l => l.Trim())
            .ToHashSet(StringComparer.Ordinal);
    }
}
