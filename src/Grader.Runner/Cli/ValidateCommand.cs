using System.CommandLine;
using Grader.Core.Configuration;
using Grader.Reference.Checks;
using Spectre.Console;

namespace Grader.Runner.Cli;

/// <summary><c>grader validate [--course DIR]</c>: checks course.yaml, every assignment.yaml and rubric.</summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var courseOption = new Option<string?>("--course") { Description = "The course repository (holding assignments/ and rubrics/); default: found from the current folder." };
        var command = new Command("validate", "Check the course configuration: weights, due dates, rubrics, checks, referenced files.");
        command.Options.Add(courseOption);
        command.SetAction(parse => Run(CourseRoot.Find(parse.GetValue(courseOption))));
        return command;
    }

    public static int Run(string courseRoot)
    {
        var result = CourseTreeLoader.LoadAndValidate(courseRoot, CheckCatalog.AllCheckIds);
        if (!result.IsValid)
        {
            foreach (var error in result.Errors)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]error[/] {error}");
            }

            AnsiConsole.MarkupLineInterpolated($"[red]{result.Errors.Count} error(s)[/] in the course at {courseRoot}");
            return 1;
        }

        var tree = result.Tree!;
        AnsiConsole.MarkupLineInterpolated($"[green]valid[/]: {tree.Course.Title}, {tree.Assignments.Count} assignments, {tree.Rubrics.Count} rubrics, {tree.Roster.Count} students on the roster");
        return 0;
    }
}
