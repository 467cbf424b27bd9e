using System.CommandLine;
using Grader.Runner.Cli;

// grader: validate the course, grade submissions, run the demo. Exit codes: 0 done, 1 invalid input (a broken course
// file, a missing submission), 2 the grader itself failed. A submission that scores zero is not a failure.
var root = new RootCommand("Grader: grade deep-learning homework in a sandbox against TorchSharp reference implementations.");
root.Subcommands.Add(ValidateCommand.Create());
root.Subcommands.Add(GradeCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(SimilarityCommand.Create());
root.Subcommands.Add(WorkerCommand.Create());
root.Subcommands.Add(ServeCommand.Create());
var version = new Command("version", "Print the version stamped on reports (release + fingerprint of the grading code).");
version.SetAction(_ => Console.WriteLine(Grader.Runner.Grading.SubmissionGrader.GraderVersion));
root.Subcommands.Add(version);
return await root.Parse(args).InvokeAsync();
