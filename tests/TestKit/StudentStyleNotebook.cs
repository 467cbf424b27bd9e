using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Grader.TestKit;

/// <summary>
/// A notebook written the way students write them, built from an assignment's shipped starter and solution notebooks:
/// a first draft of each class (the starter's), a cell showing the draft as a bare expression, each class defined again
/// with the fix (the solution's), the try-it cells, and a training cell that ends with <c>losses</c>.
/// </summary>
internal static partial class StudentStyleNotebook
{
    /// <param name="assignmentFolder">assignments/&lt;id&gt; of the checkout.</param>
    /// <param name="homework">The notebook's name without extension ("hw1").</param>
    /// <param name="afterTraining">Cells after the training cell (a plot of <c>losses</c>).</param>
    public static string Build(string assignmentFolder, string homework, params string[] afterTraining)
    {
        var starter = CodeCells(Path.Combine(assignmentFolder, "starter", $"{homework}.ipynb"));
        var solution = CodeCells(Path.Combine(assignmentFolder, "solution", $"{homework}.ipynb"));
        var notebook = new NotebookJson().Markdown($"# {homework}: my notebook");
        notebook.Code(solution.First(IsSetupCell));
        int draft = 0;
        foreach (var cell in starter.Where(IsClassCell))
        {
            notebook.Code(cell);
            draft++;
            notebook.Code($"var draft{draft} = new {ClassName().Match(cell).Groups[1].Value}();\ndraft{draft}");
        }

        notebook.Markdown("## Fixed after the first test");
        foreach (var cell in solution.Where(IsClassCell))
        {
            notebook.Code(cell);
        }

        foreach (var cell in solution.Where(cell => !IsClassCell(cell) && !IsSetupCell(cell)))
        {
            notebook.Code(cell);
        }

        notebook.Code(solution.Any(cell => cell.Contains("IMultilayerPerceptron", StringComparison.Ordinal)) ? MlpTrainingCell : GenericTrainingCell);
        foreach (var cell in afterTraining)
        {
            notebook.Code(cell);
        }

        return notebook.Build();
    }

    private const string MlpTrainingCell = """
        // My own training loop, to plot the loss curve.
        var losses = new List<float>();
        var net = new MultilayerPerceptron();
        net.Initialize(2, new[] { 8 }, 2, seed: 3);
        var xs = randn(new long[] { 64, 2 }, generator: new Generator(3));
        var ys = (xs.square().sum(dim: 1) > 1.0).to(ScalarType.Int64);
        for (int epoch = 0; epoch < 5; epoch++)
        {
            losses.Add(net.CrossEntropyLoss(net.Forward(xs), ys).item<float>());
            net.Backward(xs, ys);
            net.Step(0.1f);
        }
        losses
        """;

    private const string GenericTrainingCell = """
        var losses = new List<float>();
        for (int epoch = 1; epoch <= 3; epoch++)
        {
            losses.Add(1f / epoch);
        }
        losses
        """;

    private static bool IsSetupCell(string cell) => cell.Contains("#r ", StringComparison.Ordinal);

    private static bool IsClassCell(string cell) => ClassName().IsMatch(cell);

    private static List<string> CodeCells(string path)
        => [.. JsonNode.Parse(File.ReadAllText(path))!["cells"]!.AsArray()
            .Where(cell => cell!["cell_type"]!.GetValue<string>() == "code")
            .Select(cell => string.Concat(cell!["source"]!.AsArray().Select(line => line!.GetValue<string>())))];

    [GeneratedRegex(@"public sealed class (\w+)\s*:")]
    private static partial Regex ClassName();
}
