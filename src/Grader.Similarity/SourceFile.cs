namespace Grader.Similarity;

/// <summary>One piece of C# source: a .cs/.csx file or one notebook code cell. <paramref name="Path"/> names it in reports.</summary>
/// <param name="Path">The name shown in reports, e.g. <c>MultilayerPerceptron.cs</c> or <c>hw1.ipynb [cell 5]</c>.</param>
/// <param name="Text">The source text.</param>
/// <param name="FirstLine">The line number of the text's first line in the file it came from (a notebook cell starts at 1).</param>
public sealed record SourceFile(string Path, string Text, int FirstLine = 1);

/// <summary>One submission to compare: all its sources. Archived submissions (previous years) are compared with this
/// term's submissions but never with each other.</summary>
public sealed record SubmissionSource(string Id, IReadOnlyList<SourceFile> Files, bool IsArchived = false);
