using System.Text.Json.Nodes;
using Grader.Submissions.Notebooks;
using Grader.TestKit;

namespace Grader.Submissions.Tests;

public sealed class NotebookOutputFactsTests
{
    private static NotebookOutputFacts FactsOf(NotebookJson notebook) =>
        NotebookOutputFacts.Of(NotebookDocument.Parse(notebook.Build(), "hw1.ipynb"));

    [Test]
    public void A_notebook_run_top_to_bottom_with_a_plot_is_visible()
    {
        var facts = FactsOf(new NotebookJson()
            .Markdown("# Training")
            .Code("var epochs = 3;", executionCount: 1)
            .Code("Console.WriteLine(loss);", executionCount: 2, outputs: NotebookJson.StreamOutput("0.42\n"))
            .Code("display(chart);", executionCount: 3, outputs: NotebookJson.PlotOutput())
            .Code(""));

        Assert.That(facts.CodeCells, Is.EqualTo(3), "the blank cell is not counted");
        Assert.That(facts.CodeCellsRun, Is.EqualTo(3));
        Assert.That(facts.CodeCellsWithOutputs, Is.EqualTo(2));
        Assert.That(facts.PlotOutputs, Is.EqualTo(1));
        Assert.That(facts.ExecutionCountsInOrder, Is.True);
        Assert.That(facts.OutputsVisible, Is.True);
        Assert.That(facts.PlotsVisible, Is.True);
        Assert.That(facts.Verdict, Is.EqualTo("outputs and plots visible: yes (all 3 code cells ran, 2 show outputs; 1 plot(s) saved)"));
    }

    [Test]
    public void A_notebook_saved_without_outputs_is_not_visible()
    {
        var facts = FactsOf(new NotebookJson().Code("var a = 1;").Code("display(a);"));

        Assert.That(facts.OutputsVisible, Is.False);
        Assert.That(facts.Verdict, Is.EqualTo("outputs and plots visible: no (none of the 2 code cells has saved outputs; run all cells and save the notebook with its outputs; no plots are saved in the outputs)"));
    }

    [Test]
    public void Cells_left_unrun_are_named()
    {
        var facts = FactsOf(new NotebookJson()
            .Code("var a = 1;", executionCount: 1, outputs: NotebookJson.StreamOutput("1"))
            .Markdown("text")
            .Code("var b = 2;")
            .Code("display(plot);", executionCount: 2, outputs: NotebookJson.PlotOutput()));

        Assert.That(facts.CellsNotRun, Is.EqualTo(new[] { 3 }));
        Assert.That(facts.OutputsVisible, Is.False);
        Assert.That(facts.Reason, Does.StartWith("1 of 3 code cells were not run: cell 3"));
    }

    [Test]
    public void Out_of_order_runs_errors_and_missing_plots_are_reported()
    {
        var facts = FactsOf(new NotebookJson()
            .Code("train();", executionCount: 7, outputs: NotebookJson.StreamOutput("done"))
            .Code("evaluate();", executionCount: 3, outputs: NotebookJson.ErrorOutput()));

        Assert.That(facts.ExecutionCountsInOrder, Is.False);
        Assert.That(facts.ErrorOutputs, Is.EqualTo(1));
        Assert.That(facts.OutputsVisible, Is.True);
        Assert.That(facts.PlotsVisible, Is.False);
        Assert.That(facts.Verdict, Is.EqualTo("outputs and plots visible: no (all 2 code cells ran, 2 show outputs; no plots are saved in the outputs; execution counts are out of order (cells were not run top to bottom); 1 output(s) are errors)"));
    }

    [Test]
    public void A_plotly_chart_saved_as_html_counts_as_a_plot()
    {
        var chart = new JsonObject
        {
            ["output_type"] = "display_data",
            ["data"] = new JsonObject { ["text/html"] = new JsonArray("<div id=\"chart\"></div>\n", "<script src=\"https://cdn.plot.ly/plotly-2.6.3.min.js\"></script>") },
        };
        var facts = FactsOf(new NotebookJson().Code("chart.Display();", executionCount: 1, outputs: chart));

        Assert.That(facts.PlotsVisible, Is.True);
    }

    [Test]
    public void A_notebook_without_code_cells_is_not_visible()
    {
        var facts = FactsOf(new NotebookJson().Markdown("only prose"));

        Assert.That(facts.Verdict, Is.EqualTo("outputs and plots visible: no (the notebook has no code cells)"));
    }
}
