using System.Globalization;

namespace Grader.Submissions.Notebooks;

/// <summary>
/// Whether a notebook was saved with its outputs and plots visible, as the syllabus asks, with the numbers behind
/// the verdict. A rubric item can use <see cref="OutputsVisible"/> and <see cref="PlotsVisible"/>.
/// </summary>
public sealed record NotebookOutputFacts(
    string Notebook,
    int CodeCells,
    int CodeCellsRun,
    int CodeCellsWithOutputs,
    int PlotOutputs,
    int ErrorOutputs,
    bool ExecutionCountsInOrder,
    IReadOnlyList<int> CellsNotRun,
    bool OutputsVisible,
    bool PlotsVisible,
    string Reason)
{
    private const int MaxCellsListed = 8;

    public bool HasPlots => PlotOutputs > 0;

    /// <summary>One line for the report, e.g. "outputs and plots visible: no (3 of 12 code cells were not run: cells 4, 7, 9)".</summary>
    public string Verdict => $"outputs and plots visible: {(OutputsVisible && PlotsVisible ? "yes" : "no")} ({Reason})";

    /// <summary>Blank code cells are not counted: an empty cell at the end has nothing to run.</summary>
    public static NotebookOutputFacts Of(NotebookDocument notebook)
    {
        ArgumentNullException.ThrowIfNull(notebook);
        var codeCells = notebook.CodeCells.Where(cell => !cell.IsBlank).ToList();
        var run = codeCells.Count(cell => cell.ExecutionCount is not null || cell.Outputs.Count > 0);
        var withOutputs = codeCells.Count(cell => cell.Outputs.Count > 0);
        var plots = codeCells.Sum(cell => cell.Outputs.Count(output => output.HasPlot));
        var errors = codeCells.Sum(cell => cell.Outputs.Count(output => output.Kind == NotebookOutputKind.Error));
        var notRun = codeCells.Where(cell => cell.ExecutionCount is null && cell.Outputs.Count == 0).Select(cell => cell.Number).ToList();
        var counts = codeCells.Select(cell => cell.ExecutionCount).OfType<int>().ToList();
        var inOrder = counts.Zip(counts.Skip(1)).All(pair => pair.First < pair.Second);

        var reasons = new List<string>();
        bool outputsVisible;
        if (codeCells.Count == 0)
        {
            outputsVisible = false;
            reasons.Add("the notebook has no code cells");
        }
        else if (withOutputs == 0)
        {
            outputsVisible = false;
            reasons.Add(Invariant($"none of the {codeCells.Count} code cells has saved outputs; run all cells and save the notebook with its outputs"));
        }
        else if (notRun.Count > 0)
        {
            outputsVisible = false;
            reasons.Add(Invariant($"{notRun.Count} of {codeCells.Count} code cells were not run: {ListCells(notRun)}"));
        }
        else
        {
            outputsVisible = true;
            reasons.Add(Invariant($"all {codeCells.Count} code cells ran, {withOutputs} show outputs"));
        }
        var plotsVisible = plots > 0;
        if (codeCells.Count > 0)
        {
            reasons.Add(plotsVisible ? Invariant($"{plots} plot(s) saved") : "no plots are saved in the outputs");
        }
        if (!inOrder)
        {
            reasons.Add("execution counts are out of order (cells were not run top to bottom)");
        }
        if (errors > 0)
        {
            reasons.Add(Invariant($"{errors} output(s) are errors"));
        }
        return new NotebookOutputFacts(notebook.FileName, codeCells.Count, run, withOutputs, plots, errors, inOrder, notRun,
            outputsVisible, plotsVisible, string.Join("; ", reasons));
    }

    private static string ListCells(List<int> cells)
    {
        var listed = string.Join(", ", cells.Take(MaxCellsListed).Select(number => number.ToString(CultureInfo.InvariantCulture)));
        return (cells.Count == 1 ? "cell " : "cells ") + listed + (cells.Count > MaxCellsListed ? ", ..." : "");
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
