using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using Grader.Sandbox.Protocol;
using TorchSharp;

namespace Grader.Sandbox;

/// <summary>
/// Serves the runner's requests against the student's compiled assembly, one request at a time. The first request
/// names the assembly to load (the host was started before the submission was assigned to it); a host that is
/// never assigned is told to shut down instead.
/// </summary>
public sealed class StudentHost(Stream connection, string description)
{
    // Requests come from the trusted runner; the bound only guards against bugs.
    private const int MaxRequestBytes = 1 << 30;
    private const int MaxStackTraceChars = 4000;

    private readonly Dictionary<int, object> _objects = [];

    // The student's code: one assembly, or a notebook's script submissions in the order the cells run.
    private readonly List<Assembly> _studentAssemblies = [];

    // The types a Create may pick from, found at the first Create (every submission is loaded by then) and kept.
    private List<Type>? _studentTypes;

    /// <summary>
    /// Runs the paths every submission takes once (the codec with a tensor, contract loading), so that their JIT cost
    /// is paid while the host waits for a submission rather than during the first check.
    /// </summary>
    public static void WarmUp()
    {
        using var probe = torch.zeros(2, 2);
        var (_, echoed) = MessageCodec.Decode(MessageCodec.Encode(MessageKind.Call, new CallRequest(1, "warm-up", "WarmUp", [], [probe, 1, 1.0f, new[] { 1.0 }])));
        foreach (var tensor in ((CallRequest)echoed).Arguments.OfType<torch.Tensor>())
        {
            tensor.Dispose();
        }

        // The paths a notebook's chain of submissions takes at Load (finding the earlier submissions' files) and at the
        // first Create (the types the last cell sees), run on the host's own files and the contracts: a fresh process
        // pays ~10-40 ms of JIT for them, which belongs before standby, not in the submission's start.
        _ = SubmissionChainFiles.EarlierFiles(typeof(StudentHost).Assembly.Location);
        _ = VisibleTypes([typeof(Grader.Contracts.IMultilayerPerceptron).Assembly]);
    }

    public async Task<int> ServeAsync(CancellationToken cancellationToken)
    {
        // Registered before standby, like the warm-up; until a chain is loaded it finds nothing.
        AssemblyLoadContext.Default.Resolving += ResolveStudentAssembly;
        await SendAsync(MessageKind.Standby, new StandbyMessage(description), cancellationToken);
        var first = await Frames.ReadAsync(connection, MaxRequestBytes, cancellationToken);
        if (first is null)
        {
            return 0;
        }

        switch (MessageCodec.Decode(first))
        {
            case (_, ShutdownRequest):
                ExitNow();
                return 0;
            case (_, LoadRequest load):
                // Before any student code exists here: from now on the process may use the submission's budget.
                CpuBudget.StartNow(load.CpuSeconds);
                try
                {
                    LoadSubmissionChain(Path.GetFullPath(load.AssemblyPath));
                }
                catch (Exception exception) when (exception is BadImageFormatException or FileLoadException or FileNotFoundException)
                {
                    await SendAsync(MessageKind.Failed, Failure(exception), cancellationToken);
                    return 3;
                }

                break;
            case (var kind, _):
                throw new ProtocolViolationException($"the sandbox expected Load first, not {kind}");
        }

        await SendAsync(MessageKind.Ready, new ReadyMessage(description), cancellationToken);

        while (true)
        {
            var frame = await Frames.ReadAsync(connection, MaxRequestBytes, cancellationToken);
            if (frame is null)
            {
                return 0;
            }

            var (kind, message) = MessageCodec.Decode(frame);
            switch (message)
            {
                case ShutdownRequest:
                    ExitNow();
                    return 0;
                case CreateRequest create:
                    await ReplyAsync(() => Create(create), cancellationToken);
                    break;
                case CallRequest call:
                    await ReplyAsync(() => Call(call), cancellationToken);
                    break;
                case RunTopLevelRequest:
                    await ReplyAsync(RunTopLevel, cancellationToken);
                    break;
                default:
                    throw new ProtocolViolationException($"the sandbox does not serve {kind} messages");
            }
        }
    }

    private async Task ReplyAsync(Func<(MessageKind, object)> serve, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        MessageKind kind;
        object reply;
        try
        {
            (kind, reply) = serve();
            if (reply is ReturnedMessage returned)
            {
                reply = returned with { StudentMilliseconds = clock.Elapsed.TotalMilliseconds };
            }

            await SendAsync(kind, reply, cancellationToken);
        }
        catch (Exception exception)
        {
            await SendAsync(MessageKind.Failed, Failure(exception) with { StudentMilliseconds = clock.Elapsed.TotalMilliseconds }, cancellationToken);
        }
    }

    private (MessageKind, object) Create(CreateRequest request)
    {
        var contract = FindContract(request.ContractInterface);
        var candidates = StudentTypes()
            .Where(type => type is { IsClass: true, IsAbstract: false, ContainsGenericParameters: false } && contract.IsAssignableFrom(type))
            .ToList();
        if (candidates.Count == 0)
        {
            throw new ContractException($"no class implements {contract.Name}: write a public class with a public parameterless constructor that implements {contract.FullName}");
        }

        if (candidates.Count > 1)
        {
            throw new ContractException($"{candidates.Count} classes implement {contract.Name} ({string.Join(", ", candidates.Select(DisplayName))}); keep exactly one");
        }

        var type = candidates[0];
        var constructor = type.GetConstructor(Type.EmptyTypes)
            ?? throw new ContractException($"{DisplayName(type)} needs a public parameterless constructor");
        object instance;
        try
        {
            instance = constructor.Invoke(null);
        }
        catch (TargetInvocationException wrapped) when (wrapped.InnerException is not null)
        {
            throw wrapped.InnerException;
        }

        int id = _objects.Count + 1;
        _objects[id] = instance;
        return (MessageKind.Created, new CreatedMessage(id, DisplayName(type)));
    }

    private (MessageKind, object) Call(CallRequest request)
    {
        if (!_objects.TryGetValue(request.ObjectId, out var target))
        {
            throw new ContractException($"no object {request.ObjectId}");
        }

        var contract = FindContract(request.ContractInterface);
        var method = contract.GetMethods()
            .SingleOrDefault(m => m.Name == request.MethodName
                && m.GetParameters().Select(p => p.ParameterType.FullName).SequenceEqual(request.ParameterTypes))
            ?? throw new ContractException($"{contract.Name} has no method {request.MethodName}({string.Join(", ", request.ParameterTypes)})");
        try
        {
            var result = method.Invoke(target, request.Arguments);
            return (MessageKind.Returned, new ReturnedMessage(method.ReturnType == typeof(void) ? null : result));
        }
        catch (TargetInvocationException wrapped) when (wrapped.InnerException is not null)
        {
            throw wrapped.InnerException;
        }
    }

    /// <summary>
    /// Runs the script submissions' top-level statements in order, as the kernel runs a notebook's cells: Roslyn compiles
    /// each into the static factory of its script class, which takes the submission array that all of them share
    /// (slot 0: the host object, none here; then one slot per submission, where later ones find the earlier ones' state).
    /// </summary>
    private (MessageKind, object) RunTopLevel()
    {
        var factories = _studentAssemblies
            .Select(assembly => TypesOf(assembly).Select(ScriptFactory).FirstOrDefault(method => method is not null))
            .OfType<MethodInfo>()
            .ToList();
        if (factories.Count == 0)
        {
            throw new ContractException("the submission has no top-level code to run (it is not a notebook or script)");
        }

        var submissionStates = new object?[factories.Count + 1];
        foreach (var factory in factories)
        {
            try
            {
                var run = (Task)factory.Invoke(null, [submissionStates])!;
                run.GetAwaiter().GetResult();
            }
            catch (TargetInvocationException wrapped) when (wrapped.InnerException is not null)
            {
                throw wrapped.InnerException;
            }
        }

        return (MessageKind.Returned, new ReturnedMessage(null));
    }

    /// <summary>
    /// Loads the earlier script submissions beside the last one (none for a compiled .cs submission), then the last.
    /// A later submission references the earlier ones by assembly name; they resolve to the ones loaded here.
    /// </summary>
    private void LoadSubmissionChain(string lastAssemblyPath)
    {
        foreach (var path in SubmissionChainFiles.EarlierFiles(lastAssemblyPath).Append(lastAssemblyPath))
        {
            _studentAssemblies.Add(AssemblyLoadContext.Default.LoadFromAssemblyPath(path));
        }
    }

    private Assembly? ResolveStudentAssembly(AssemblyLoadContext context, AssemblyName name)
        => _studentAssemblies.FirstOrDefault(loaded => string.Equals(loaded.GetName().Name, name.Name, StringComparison.Ordinal));

    private Type FindContract(string fullName)
    {
        var contract = AppDomain.CurrentDomain.GetAssemblies()
            .Where(assembly => assembly.GetName().Name == "Grader.Contracts")
            .Select(assembly => assembly.GetType(fullName))
            .FirstOrDefault(type => type is { IsInterface: true });
        if (contract is null)
        {
            // The contracts assembly loads on first use of one of its types; the student assembly references it.
            var contractsAssembly = Assembly.Load("Grader.Contracts");
            contract = contractsAssembly.GetType(fullName);
        }

        return contract is { IsInterface: true }
            ? contract
            : throw new ContractException($"unknown contract {fullName}");
    }

    /// <summary>
    /// The student's types as the last submission sees them: a class declared again in a later notebook cell hides the
    /// earlier one (and the types nested in it), as the kernel's name lookup does after the last cell.
    /// </summary>
    private List<Type> StudentTypes() => _studentTypes ??= VisibleTypes(_studentAssemblies);

    private static List<Type> VisibleTypes(IReadOnlyList<Assembly> assemblies)
    {
        var types = assemblies.SelectMany(TypesOf).ToList();
        var latestByName = new Dictionary<string, Type>(StringComparer.Ordinal);
        foreach (var type in types.Where(t => IsScriptClass(t.DeclaringType)))
        {
            latestByName[type.Name] = type;
        }

        return [.. types.Where(type => ScriptMemberOf(type) is not { } member || latestByName[member.Name] == member)];
    }

    /// <summary>The type itself or the enclosing type that is a member of a script class; null outside script code.</summary>
    private static Type? ScriptMemberOf(Type type)
    {
        for (Type? current = type; current is not null; current = current.DeclaringType)
        {
            if (IsScriptClass(current.DeclaringType))
            {
                return current;
            }
        }

        return null;
    }

    private static bool IsScriptClass(Type? type) => type is not null && ScriptFactory(type) is not null;

    private static IEnumerable<Type> TypesOf(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException partial)
        {
            return partial.Types.OfType<Type>();
        }
    }

    /// <summary>The entry point Roslyn gives a script's class; null for every other type.</summary>
    private static MethodInfo? ScriptFactory(Type type)
        => type.GetMethod("<Factory>", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static);

    // Script (notebook) submissions nest their classes inside the script class; students know them by their own name.
    private static string DisplayName(Type type) => IsScriptClass(type.DeclaringType) ? type.Name : type.FullName ?? type.Name;

    private static FailedMessage Failure(Exception exception)
    {
        // Message and StackTrace are virtual: a student's exception type may override them to throw (one that never returns
        // meets the call's time limit).
        string stack = Describe(() => exception.StackTrace, "its stack trace");
        if (stack.Length > MaxStackTraceChars)
        {
            stack = stack[..MaxStackTraceChars] + "...";
        }

        return new FailedMessage(exception.GetType().FullName ?? exception.GetType().Name, Describe(() => exception.Message, "its message"), stack);
    }

    private static string Describe(Func<string?> read, string what)
    {
        try
        {
            return read() ?? "";
        }
        catch (Exception failure)
        {
            return $"({what} could not be read: reading it threw {failure.GetType().Name})";
        }
    }

    /// <summary>
    /// Ends the process at once once the output is flushed: the runner waits for the end of the output to close the
    /// log, and an orderly runtime and libtorch shutdown took 100-300 ms of that. Nothing is lost: the student's
    /// objects and the private /tmp go with the sandbox anyway.
    /// </summary>
    private static void ExitNow()
    {
        Console.Out.Flush();
        Console.Error.Flush();
        ExitImmediately(0);
    }

    [DllImport("libc", EntryPoint = "_exit")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern void ExitImmediately(int status);

    private Task SendAsync(MessageKind kind, object message, CancellationToken cancellationToken)
        => Frames.WriteAsync(connection, MessageCodec.Encode(kind, message), cancellationToken);
}

/// <summary>The student's code does not fit the contract (missing class, constructor or method).</summary>
public sealed class ContractException(string message) : Exception(message);
