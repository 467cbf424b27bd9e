using System.Diagnostics;
using System.IO.Compression;
using Grader.Core.Configuration;
using Grader.Core.Grading;
using Grader.Core.Reports;
using Grader.Reference.Checks;
using Grader.Runner.Compilation;
using Grader.Runner.Sandbox;
using Grader.Submissions;
using Grader.Submissions.Intake;
using Grader.Submissions.Notebooks;
using Grader.Submissions.Sources;
using Grader.Submissions.Storage;
using CoreCheckStatus = Grader.Core.Grading.CheckStatus;
using ReferenceCheckStatus = Grader.Reference.Checks.CheckStatus;

namespace Grader.Runner.Grading;

/// <summary>How a <see cref="SubmissionGrader"/> trades memory and idle processes for speed.</summary>
public sealed record SubmissionGraderOptions
{
    /// <summary>
    /// Sandbox hosts started ahead of need for each set of limits in use: one per submission graded at once (a
    /// worker slot). 0 starts each sandbox when its submission needs it (one submission, nothing to start ahead for).
    /// </summary>
    public int SandboxesStartedAhead { get; init; } = 1;

    /// <summary>Compiled submissions kept in memory for re-grades of the same code; 0 compiles every time.</summary>
    public int CompileCacheEntries { get; init; } = 256;
}

/// <summary>
/// Grades one submission from start to end, in the order of DESIGN.md's flow: store the exact bytes, take them in
/// safely, compile and apply the static policy, run the checks against the student's code in a sandbox, score the
/// rubric, write the report. Every failure of the student's making ends in a report that explains it; only the
/// grader's own failures throw. Dispose it when done: sandboxes started ahead of need and background teardowns
/// (sandboxes, scratch folders) are finished then.
/// </summary>
public sealed class SubmissionGrader : IDisposable
{
    private readonly CourseTree _course;
    private readonly SubmissionStore _store;
    private readonly string _workRoot;
    private readonly BackgroundTeardown _teardown = new();
    private readonly SandboxPool _sandboxes;
    private readonly CompilationCache _compileCache;
    private readonly SubmissionIntake _intake = new();
    private readonly GpuPool _gpus = new();

    /// <param name="course">The validated course (assignments, rubrics, limits).</param>
    /// <param name="store">Where every submission's bytes are kept, by content hash.</param>
    /// <param name="workRoot">Scratch space for extraction and compiled code; each grading cleans up after itself.</param>
    /// <param name="launcher">Starts sandboxes; default: bubblewrap with the sandbox host beside this program.</param>
    /// <param name="options">Sandboxes started ahead, compile cache size; default: <see cref="SubmissionGraderOptions"/>'s.</param>
    public SubmissionGrader(CourseTree course, SubmissionStore store, string workRoot, SandboxLauncher? launcher = null, SubmissionGraderOptions? options = null)
    {
        options ??= new SubmissionGraderOptions();
        _course = course;
        _store = store;
        _workRoot = workRoot;
        _sandboxes = new SandboxPool(launcher ?? new SandboxLauncher(), options.SandboxesStartedAhead, _teardown);
        _compileCache = new CompilationCache(options.CompileCacheEntries);
        Directory.CreateDirectory(workRoot);

        // The reference computations are small; with several libtorch threads they only contend with the
        // sandboxes for the cores (measured: a loaded 2-core run went from 9 s to 15 min with the default).
        TorchSharp.torch.set_num_threads(1);
    }

    /// <summary>
    /// The version written into reports: a re-grade with another version is a different grading run, and stored
    /// reports are reused only for the same version. Besides the release number it carries a fingerprint of the
    /// code that decides a score (runner, reference checks, contracts, the notebook kernel's helpers), so any change to it grades afresh.
    /// </summary>
    public static string GraderVersion { get; } = ComputeGraderVersion();

    /// <summary>The compiled submissions kept for re-grades (hit and miss counts for figures and tests).</summary>
    public CompilationCache CompileCache => _compileCache;

    /// <summary>The sandboxes started ahead of need and torn down behind (for tests and diagnostics).</summary>
    public SandboxPool Sandboxes => _sandboxes;

    /// <summary>Shuts down sandboxes started ahead of need; waits for every background teardown.</summary>
    public void Dispose()
    {
        _sandboxes.Dispose();
        _teardown.WaitForAll();
    }

    private static string ComputeGraderVersion()
    {
        var assemblies = new[] { typeof(SubmissionGrader).Assembly, typeof(CheckCatalog).Assembly, typeof(Grader.Contracts.IMultilayerPerceptron).Assembly, typeof(Microsoft.DotNet.Interactive.Kernel).Assembly };
        // Builds are deterministic, so a module's MVID changes exactly when its code does.
        var fingerprint = System.Security.Cryptography.SHA256.HashData(
            assemblies.SelectMany(a => a.ManifestModule.ModuleVersionId.ToByteArray()).ToArray());
        string release = typeof(SubmissionGrader).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
        return $"{release}+{Convert.ToHexStringLower(fingerprint)[..12]}";
    }

    /// <summary>Grades a zip, tarball, folder, notebook, .csx or .cs file for an assignment.</summary>
    public GradingReport Grade(string assignmentId, string submissionPath)
    {
        var assignment = _course.Assignment(assignmentId);
        var rubric = _course.RubricFor(assignmentId);
        if (!CheckCatalog.TryGetSuite(assignmentId, out var suite))
        {
            throw new ArgumentException($"{assignmentId} is not autograded: there are no checks for it", nameof(assignmentId));
        }

        var total = Stopwatch.StartNew();
        var timings = new PhaseTimings();
        string workFolder = Path.Combine(_workRoot, Guid.NewGuid().ToString("N"));
        try
        {
            // 1. Arrive: the exact bytes are stored before anything else happens.
            var intakeClock = Stopwatch.StartNew();
            var (hash, originalName) = StoreSubmission(submissionPath);
            var partial = new ReportDraft(assignmentId, rubric, new SubmissionInfo(hash.Hex, originalName, FormOf(submissionPath), null, null));

            ExtractedSubmission extracted;
            CSharpSourceSet sources;
            try
            {
                extracted = Directory.Exists(submissionPath)
                    ? _intake.ExtractPath(submissionPath, Path.Combine(workFolder, "files"), IntakeOptionsFor(assignment))
                    : _intake.Extract(_store, hash, originalName, Path.Combine(workFolder, "files"), IntakeOptionsFor(assignment));
                extracted.MakeReadOnly();
                sources = CSharpSourceSet.FromSubmission(extracted, new SourceSetOptions());
            }
            catch (SubmissionRefusedException refused)
            {
                timings.IntakeMs = intakeClock.Elapsed.TotalMilliseconds;
                return partial.NotRun(GradingOutcome.IntakeRefused, refused.Message, timings, total);
            }
            catch (NotebookFormatException malformed)
            {
                timings.IntakeMs = intakeClock.Elapsed.TotalMilliseconds;
                return partial.NotRun(GradingOutcome.IntakeRefused, malformed.Message, timings, total);
            }

            timings.IntakeMs = intakeClock.Elapsed.TotalMilliseconds;
            var manifest = extracted.Manifest;
            partial = partial with
            {
                Submission = new SubmissionInfo(hash.Hex, originalName, manifest.Form.ToString(), manifest.Naming.NetId, manifest.GitCommit),
                // Notes quote the submission (file names, directives): escaped, and capped whole.
                Notes = [.. manifest.Notes.Select(n => StudentText.Show(n.ToString(), 2 * StudentText.MaxShownChars)), .. sources.Notes.Select(n => StudentText.Show(n.ToString(), 2 * StudentText.MaxShownChars))],
                Notebook = sources.Notebooks.Count > 0 ? NotebookInfoOf(sources.Notebooks) : null,
            };

            if (sources.HasErrors || sources.Units.Count == 0)
            {
                var errors = sources.Notes.Where(n => n.Severity == NoteSeverity.Error).ToList();
                string why = errors.Count > 0
                    ? "the submission's code could not be read: " + string.Join("; ", errors)
                    : "the submission holds no C# code (no .cs or .csx file, no C# notebook cell)";
                return partial.NotRun(GradingOutcome.IntakeRefused, why, timings, total);
            }

            // 2. Compile on the trusted side, with the static policy as a guardrail.
            var compileClock = Stopwatch.StartNew();
            var policy = PolicyFor(assignment);
            CodeUnit[] units = [.. UnitsToCompile(sources, out var ignored).Select(ToCodeUnit)];
            var compiled = _compileCache.GetOrCompile(GraderVersion, policy, units, () => new StudentCompiler(new StaticPolicy(policy), BudgetOf(assignment)).Compile(units));
            if (ignored.Count > 0)
            {
                partial = partial with { Notes = [.. partial.Notes, $"the notebook is the submission; these files were not compiled: {string.Join(", ", ignored)}"] };
            }

            timings.CompileMs = compileClock.Elapsed.TotalMilliseconds;
            partial = partial with
            {
                CompilerMessages = [.. compiled.Messages.Select(m => MapMessage(m, sources))],
                PolicyFindings = [.. compiled.Violations.Select(v => MapViolation(v, sources))],
            };
            if (compiled.Assembly is null || compiled.Messages.Any(m => m.IsError))
            {
                var first = partial.CompilerMessages.FirstOrDefault(m => m.Severity == "error");
                return partial.NotRun(GradingOutcome.CompileFailed,
                    (first is null ? "the code did not compile" : $"the code did not compile: {first.Where}: {first.Message} ({first.Id})")
                        + TorchSharpVersionSentence(first) + MissingPackagesSentence(sources),
                    timings, total);
            }

            // A notebook may define its class several times; the one graded is the last definition, and two different
            // classes for one contract leave nothing sensible to grade.
            var gradedClasses = compiled.ContractImplementations
                .Select(implementation => (implementation.Contract, implementation.ClassName, implementation.Path, Origin: OriginOf(implementation.Path, implementation.Line, sources)))
                .Select(graded => (graded.Contract, graded.ClassName, graded.Origin, Where: graded.Origin?.ToString() ?? graded.Path))
                .ToList();
            if (gradedClasses.GroupBy(graded => graded.Contract).FirstOrDefault(group => group.Count() > 1) is { } ambiguous)
            {
                return partial.NotRun(GradingOutcome.CompileFailed,
                    $"{ambiguous.Count()} classes implement {ambiguous.Key} after the last cell: {string.Join(" and ", ambiguous.Select(graded => $"{graded.ClassName} ({graded.Where})"))}; the grader cannot tell which one to grade: delete or rename all but one",
                    timings, total);
            }

            if (gradedClasses.Count > 0)
            {
                partial = partial with
                {
                    Notes = [.. partial.Notes, .. gradedClasses.Select(graded => $"graded class for {graded.Contract}: {graded.ClassName}, defined at {graded.Where} (the last definition in the notebook)")],
                    GradedClasses = [.. gradedClasses.Where(graded => graded.Origin is not null)
                        .Select(graded => new ReportGradedClass(graded.Contract, graded.ClassName, graded.Origin!.Value.File, graded.Origin.Value.Cell, graded.Origin.Value.Line))],
                };
            }

            var rejected = partial.PolicyFindings.FirstOrDefault(f => f.Severity == "reject");
            if (rejected is not null)
            {
                return partial.NotRun(GradingOutcome.PolicyRejected, $"the code uses {rejected.Api} ({rejected.Where}): {rejected.Reason}", timings, total);
            }

            // 3. Run the checks against the student's code inside the sandbox; the reference answers stay here.
            string assemblyPath = Path.Combine(workFolder, "compiled", "student.dll");
            Directory.CreateDirectory(Path.GetDirectoryName(assemblyPath)!);
            compiled.WriteTo(assemblyPath);
            // A GPU when the assignment may use one and one is free; the lease ends with this grading.
            using var gpu = assignment.Resources?.GpuAllowed == true ? _gpus.TryAcquire() : null;
            var limits = LimitsFor(assignment) with { GrantedGpu = gpu?.Index };
            var sandboxClock = Stopwatch.StartNew();
            if (assignment.Resources?.NotebookSeconds is { } notebookSeconds && sources.Units.Any(u => u.Kind == CodeUnitKind.Notebook))
            {
                partial = partial with { NotebookRun = RunNotebook(assemblyPath, extracted.Folder, limits, notebookSeconds, timings) };
                sandboxClock.Restart();
            }

            var session = _sandboxes.Start(assemblyPath, extracted.Folder, limits);
            try
            {
                IReadOnlyList<CheckResult> results;
                string? stopped = null;
                var checksClock = new Stopwatch();
                try
                {
                    session.WaitUntilReady();
                    timings.SandboxStartMs += sandboxClock.Elapsed.TotalMilliseconds;
                    checksClock.Start();
                    results = suite.Run(new SandboxStudentCode(session), rubric.Items.Where(i => i.CheckId is not null).Select(i => i.CheckId!).Distinct().ToList());
                    timings.ChecksMs += checksClock.Elapsed.TotalMilliseconds;
                }
                catch (SandboxStoppedException start)
                {
                    timings.SandboxStartMs += sandboxClock.Elapsed.TotalMilliseconds;
                    results = [];
                    stopped = start.Message;
                }

                // The log must be complete before the report; the rest of the teardown happens after it.
                session.EndRun();
                stopped ??= session.StoppedBecause?.Message;
                timings.StudentComputeMs += session.StudentComputeTime.TotalMilliseconds;
                timings.ProtocolMs += session.ProtocolTime.TotalMilliseconds;

                // 4. Score the rubric from the check results.
                return partial.Graded(results, stopped, StudentText.ShowLog(session.Log), session.LogTruncated,
                    new ReportResources(session.PeakMemoryBytes, session.CpuTime?.TotalMilliseconds, session.WallTime.TotalMilliseconds, session.ResourceControlDescription), timings, total);
            }
            finally
            {
                _sandboxes.Retire(session);
            }
        }
        finally
        {
            _teardown.Run(() => DeleteWorkFolder(workFolder));
            GradingMemory.GradingFinished();
        }
    }

    /// <summary>
    /// Runs the notebook's own top-level code (training runs, plots) in a sandbox of its own, so that a notebook that
    /// hangs or crashes costs the report a finding, not the checks their answers. Its sandbox start, its run (in
    /// ChecksMs: a call into the sandbox), the student's compute and the protocol count in the grading's timings.
    /// </summary>
    private NotebookRunInfo RunNotebook(string assemblyPath, string files, SandboxLimits limits, int notebookSeconds, PhaseTimings timings)
    {
        var notebookLimits = limits with { CallSeconds = notebookSeconds, WallSeconds = notebookSeconds + 60 };
        var clock = Stopwatch.StartNew();
        string message;
        bool succeeded = false;
        var session = _sandboxes.Start(assemblyPath, files, notebookLimits);
        try
        {
            try
            {
                session.WaitUntilReady();
                timings.SandboxStartMs += clock.Elapsed.TotalMilliseconds;
                clock.Restart();
                session.RunTopLevelCode();
                succeeded = true;
                message = "the notebook's code ran from top to bottom without errors";
            }
            catch (RemoteStudentCodeException failure)
            {
                message = $"the notebook's code {failure.Outcome}";
            }

            double elapsed = clock.Elapsed.TotalMilliseconds;
            // A call into the sandbox like the checks' calls: its student compute and protocol are counted with theirs.
            timings.ChecksMs += elapsed;
            session.EndRun();
            timings.StudentComputeMs += session.StudentComputeTime.TotalMilliseconds;
            timings.ProtocolMs += session.ProtocolTime.TotalMilliseconds;
            return new NotebookRunInfo(succeeded, message, elapsed, StudentText.ShowLog(session.Log));
        }
        finally
        {
            _sandboxes.Retire(session);
        }
    }

    private static CompileBudget BudgetOf(Assignment assignment)
        => new(assignment.Resources?.CompileSeconds ?? CompileBudget.DefaultSeconds, assignment.Resources?.CompileMemoryMb ?? CompileBudget.DefaultMemoryMb);

    /// <summary>
    /// A notebook, when there is one, is the submission (the syllabus's form), and .csx files go with it; plain .cs
    /// files are for students who do not use notebooks. Compiling both would declare every class twice.
    /// </summary>
    private static IReadOnlyList<CSharpCodeUnit> UnitsToCompile(CSharpSourceSet sources, out IReadOnlyList<string> ignored)
    {
        if (sources.Units.All(u => u.Kind != CodeUnitKind.Notebook))
        {
            ignored = [];
            return sources.Units;
        }

        ignored = [.. sources.Units.Where(u => u.Kind == CodeUnitKind.SourceFile).Select(u => u.Path)];
        return [.. sources.Units.Where(u => u.Kind != CodeUnitKind.SourceFile)];
    }

    private static CodeUnit ToCodeUnit(CSharpCodeUnit unit) => new(
        unit.Path,
        unit.Text,
        IsScript: unit.Kind != CodeUnitKind.SourceFile,
        Cells: unit.Kind == CodeUnitKind.Notebook ? [.. unit.Segments.Select(s => (s.FirstLine - 1, s.LineCount))] : null);

    private (ContentHash Hash, string OriginalName) StoreSubmission(string submissionPath)
    {
        if (Directory.Exists(submissionPath))
        {
            // A folder is stored as a deterministic zip of its files, so the same folder always has the same hash.
            using var archive = DeterministicZip.Of(submissionPath);
            return (_store.Store(archive, Path.GetFileName(Path.TrimEndingDirectorySeparator(submissionPath))), Path.GetFileName(Path.TrimEndingDirectorySeparator(submissionPath)));
        }

        if (!File.Exists(submissionPath))
        {
            throw new FileNotFoundException($"no submission at {submissionPath}", submissionPath);
        }

        using var stream = File.OpenRead(submissionPath);
        return (_store.Store(stream, Path.GetFileName(submissionPath)), Path.GetFileName(submissionPath));
    }

    private static string FormOf(string submissionPath) => Directory.Exists(submissionPath) ? nameof(Grader.Submissions.Intake.SubmissionForm.Folder) : Path.GetExtension(submissionPath).TrimStart('.');

    private static IntakeOptions IntakeOptionsFor(Assignment assignment)
    {
        int? homework = assignment.Submission.ZipName is { } zipName && System.Text.RegularExpressions.Regex.Match(zipName, @"hw(\d+)") is { Success: true } match
            ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
            : null;
        return new IntakeOptions { ExpectedHomework = homework, CheckSyllabusNaming = homework is not null };
    }

    private static StaticPolicyOptions PolicyFor(Assignment assignment) => new()
    {
        ForbidAutograd = assignment.Forbids.Contains(ForbiddenFeature.Autograd),
        ForbidThreads = assignment.Forbids.Contains(ForbiddenFeature.Threads),
    };

    private static SandboxLimits LimitsFor(Assignment assignment)
    {
        var defaults = new SandboxLimits();
        if (assignment.Resources is not { } resources)
        {
            return defaults;
        }

        return defaults with
        {
            CpuSeconds = resources.CpuSeconds,
            WallSeconds = resources.WallSeconds,
            CallSeconds = Math.Min(defaults.CallSeconds, resources.WallSeconds),
            MemoryMegabytes = resources.MemoryMb,
            OutputBytesKept = resources.MaxOutputKb * 1024,
        };
    }

    private static NotebookInfo NotebookInfoOf(IReadOnlyList<NotebookDocument> notebooks)
    {
        var facts = notebooks.Select(NotebookOutputFacts.Of).ToList();
        return new NotebookInfo(
            facts.Sum(f => f.CodeCells),
            facts.Sum(f => f.CodeCellsWithOutputs),
            facts.All(f => f.OutputsVisible),
            facts.All(f => f.PlotsVisible),
            string.Join("; ", facts.Select(f => f.Verdict)));
    }

    /// <summary>
    /// Notebooks found in the wild are written for many TorchSharp versions, whose APIs differ (a method became a
    /// property, a class a factory): an error about a TorchSharp member says which version the grader has.
    /// </summary>
    private static string TorchSharpVersionSentence(ReportMessage? firstError)
        => firstError is not null && firstError.Message.Contains("torch", StringComparison.OrdinalIgnoreCase)
            ? $" (the course compiles against TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(3)}; code written for another TorchSharp version may use members that differ)"
            : "";

    /// <summary>" (the notebook asks for packages the course does not provide: ...)", or nothing when it asks for none.</summary>
    private static string MissingPackagesSentence(CSharpSourceSet sources)
    {
        if (sources.MissingPackages.Count == 0)
        {
            return "";
        }

        var packages = sources.MissingPackages
            .GroupBy(missing => missing.Package, StringComparer.OrdinalIgnoreCase)
            .Select(group => $"{group.Key} ({string.Join(", ", group.Select(missing => missing.Where.ToString()))})");
        return $"; the code asks for packages the course does not provide, so code that uses them cannot compile here: {string.Join("; ", packages)}";
    }

    private static ReportMessage MapMessage(CompilerMessage message, CSharpSourceSet sources)
    {
        var origin = OriginOf(message.Path, message.Line, sources);
        // Compiler messages quote the student's identifiers and literals.
        return new ReportMessage(origin?.File ?? message.Path, origin?.Cell, origin?.Line ?? message.Line, message.Column, message.Id,
            StudentText.Show(message.Message, 2 * StudentText.MaxShownChars), message.IsError ? "error" : "warning");
    }

    private static ReportPolicyFinding MapViolation(PolicyViolation violation, CSharpSourceSet sources)
    {
        var origin = violation.Path is null || violation.Line is null ? null : OriginOf(violation.Path, violation.Line.Value, sources);
        return new ReportPolicyFinding(violation.Severity == PolicySeverity.Reject ? "reject" : "flag", violation.Api, violation.Reason,
            origin?.File ?? violation.Path, origin?.Cell, origin?.Line ?? violation.Line);
    }

    private static SourceOrigin? OriginOf(string path, int line, CSharpSourceSet sources)
        => sources.Units.FirstOrDefault(u => u.Path == path) is { } unit && line >= 1 && line <= unit.LineCount ? unit.MapLine(line) : null;

    private static void DeleteWorkFolder(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return;
        }

        // Extracted files were made read-only for the sandbox; make them writable again to delete them.
        foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
        {
            entry.Attributes &= ~FileAttributes.ReadOnly;
            if (entry is DirectoryInfo directory)
            {
                directory.UnixFileMode |= UnixFileMode.UserWrite;
            }
        }

        Directory.Delete(folder, recursive: true);
    }

    private sealed class PhaseTimings
    {
        public double IntakeMs { get; set; }

        public double CompileMs { get; set; }

        public double SandboxStartMs { get; set; }

        public double ChecksMs { get; set; }

        public double StudentComputeMs { get; set; }

        public double ProtocolMs { get; set; }

        public ReportTimings Finish(Stopwatch total) => new(IntakeMs, CompileMs, SandboxStartMs, ChecksMs, total.Elapsed.TotalMilliseconds, StudentComputeMs, ProtocolMs);
    }

    /// <summary>A report being filled in as grading goes; it ends either not run or graded.</summary>
    private sealed record ReportDraft(string AssignmentId, Rubric Rubric, SubmissionInfo Submission)
    {
        public IReadOnlyList<string> Notes { get; init; } = [];

        public NotebookInfo? Notebook { get; init; }

        public NotebookRunInfo? NotebookRun { get; init; }

        public IReadOnlyList<ReportGradedClass> GradedClasses { get; init; } = [];

        public IReadOnlyList<ReportMessage> CompilerMessages { get; init; } = [];

        public IReadOnlyList<ReportPolicyFinding> PolicyFindings { get; init; } = [];

        public GradingReport NotRun(GradingOutcome outcome, string why, PhaseTimings timings, Stopwatch total)
        {
            var outcomes = Rubric.Items.Where(i => i.Kind == RubricItemKind.Auto)
                .Select(i => (ItemOutcome)new CheckOutcome(i.Id, 0, CoreCheckStatus.Failed, $"not run: {why}"))
                .ToList();
            var score = RubricScorer.Score(Rubric, outcomes);
            return Build(outcome, $"Not graded: {why}", score, outcomes, outcomes.Cast<CheckOutcome>().ToDictionary(o => o.ItemId, o => "not-run"), new Dictionary<string, double>(), null, "", false, null, timings, total);
        }

        public GradingReport Graded(IReadOnlyList<CheckResult> results, string? stopped, string log, bool logTruncated, ReportResources resources, PhaseTimings timings, Stopwatch total)
        {
            var byCheck = results.ToDictionary(r => r.CheckId);
            var outcomes = new List<ItemOutcome>();
            var statuses = new Dictionary<string, string>();
            var elapsed = new Dictionary<string, double>();
            foreach (var item in Rubric.Items.Where(i => i.Kind == RubricItemKind.Auto))
            {
                if (byCheck.TryGetValue(item.CheckId!, out var result))
                {
                    outcomes.Add(new CheckOutcome(item.Id, result.Fraction, CoreStatus(result), result.Reason));
                    statuses[item.Id] = StatusName(result.Status);
                    elapsed[item.Id] = result.Elapsed.TotalMilliseconds;
                }
                else
                {
                    outcomes.Add(new CheckOutcome(item.Id, 0, CoreCheckStatus.Failed, $"not answered: {stopped ?? "the run ended before this check"}"));
                    statuses[item.Id] = "not-answered";
                }
            }

            var score = RubricScorer.Score(Rubric, outcomes);
            var outcome = stopped is null ? GradingOutcome.Graded : GradingOutcome.PartiallyGraded;
            string summary = $"{Show(score.Score)} of {Show(score.FullMarks)} points" + (score.BonusPoints > 0 ? $" (bonus {Show(score.BonusPoints)} included)" : "")
                + (stopped is null ? "" : $"; the run stopped early: {stopped}")
                + (score.IsProvisional ? "; provisional until a TA scores the manual items" : "");
            return Build(outcome, summary, score, outcomes, statuses, elapsed, stopped, log, logTruncated, resources, timings, total);
        }

        private GradingReport Build(GradingOutcome outcome, string summary, RubricScore score, IReadOnlyList<ItemOutcome> outcomes, IReadOnlyDictionary<string, string> statuses, IReadOnlyDictionary<string, double> elapsed,
            string? stopped, string log, bool logTruncated, ReportResources? resources, PhaseTimings timings, Stopwatch total)
        {
            // An item's reason is the check's own words (what was compared, what differed); how points follow from it
            // is in the report's explanation, and programs that re-score (the gradebook) would otherwise nest it.
            var reasons = outcomes.OfType<CheckOutcome>().ToDictionary(o => o.ItemId, o => o.Reason);
            var items = score.Items.Select(s => new ReportItem(
                s.Item.Id,
                s.Item.Description,
                s.Item.Kind == RubricItemKind.Auto ? "auto" : "manual",
                s.Item.Type.ToString().ToLowerInvariant(),
                s.Item.CheckId,
                s.Points,
                s.Item.Points,
                s.IsPending ? "pending" : statuses.GetValueOrDefault(s.Item.Id, "scored"),
                reasons.GetValueOrDefault(s.Item.Id, s.IsPending ? "waiting for a TA" : s.Explanation),
                elapsed.TryGetValue(s.Item.Id, out var ms) ? ms : null)).ToList();
            return new GradingReport
            {
                Assignment = AssignmentId,
                Submission = Submission,
                GraderVersion = GraderVersion,
                GradedAt = DateTimeOffset.UtcNow,
                Outcome = outcome,
                Summary = summary,
                Total = score.Score,
                Max = score.FullMarks,
                Provisional = score.IsProvisional,
                Items = items,
                Explanation = score.Explanation,
                CompilerMessages = CompilerMessages,
                PolicyFindings = PolicyFindings,
                Notes = Notes,
                Notebook = Notebook,
                NotebookRun = NotebookRun,
                GradedClasses = GradedClasses,
                Timings = timings.Finish(total),
                Resources = resources,
                SandboxStop = stopped,
                Log = log,
                LogTruncated = logTruncated,
            };
        }

        private static CoreCheckStatus CoreStatus(CheckResult result) => result.Status switch
        {
            ReferenceCheckStatus.Passed => CoreCheckStatus.Passed,
            ReferenceCheckStatus.PartiallyPassed => CoreCheckStatus.PartialCredit,
            _ when result.IsGraderFault => CoreCheckStatus.GraderError,
            _ => CoreCheckStatus.Failed,
        };

        private static string StatusName(ReferenceCheckStatus status) => status switch
        {
            ReferenceCheckStatus.Passed => "passed",
            ReferenceCheckStatus.PartiallyPassed => "partially-passed",
            ReferenceCheckStatus.Failed => "failed",
            ReferenceCheckStatus.NotAnswered => "not-answered",
            _ => "skipped",
        };

        private static string Show(decimal value) => value.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>A zip of a folder whose bytes depend only on the files' paths and contents (sorted, fixed timestamps).</summary>
internal static class DeterministicZip
{
    private static readonly DateTimeOffset FixedTimestamp = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static MemoryStream Of(string folder)
    {
        var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var info = new FileInfo(file);
                if (info.LinkTarget is not null)
                {
                    continue;
                }

                var entry = zip.CreateEntry(Path.GetRelativePath(folder, file).Replace('\\', '/'), CompressionLevel.Optimal);
                entry.LastWriteTime = FixedTimestamp;
                using var source = info.OpenRead();
                using var target = entry.Open();
                source.CopyTo(target);
            }
        }

        buffer.Position = 0;
        return buffer;
    }
}
