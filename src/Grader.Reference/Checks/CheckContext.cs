using System.Reflection;
using System.Runtime.ExceptionServices;
using TorchSharp;

namespace Grader.Reference.Checks;

/// <summary>
/// What a check works with during one run: the student's objects, the device the reference computes on, and the
/// tolerance that goes with it. Every call into student code goes through <see cref="Call{T}"/> so that a throw
/// becomes a reason instead of an exception.
/// </summary>
internal sealed class CheckContext(IStudentCode student, torch.Device referenceDevice) : IDisposable
{
    private const int MaxMessageLength = 300;
    private readonly Dictionary<Type, string> creationFailures = [];
    private readonly Dictionary<string, object> sharedAnswers = new(StringComparer.Ordinal);

    /// <summary>Where reference tensors are computed; student tensors always cross the boundary on the CPU.</summary>
    public torch.Device ReferenceDevice { get; } = referenceDevice;

    /// <summary>Tolerance for float32 values computed on <see cref="ReferenceDevice"/>.</summary>
    public Tolerance Float32Tolerance { get; } = Tolerance.For(torch.ScalarType.Float32, referenceDevice.type);

    /// <summary>A fresh student object; a missing class is reported once, later checks of the same contract are skipped.</summary>
    public T Create<T>() where T : class
    {
        if (creationFailures.TryGetValue(typeof(T), out var earlier))
        {
            throw new PrerequisiteFailedException($"not run: {earlier}");
        }

        try
        {
            return student.Create<T>() ?? throw new InvalidOperationException("the runner returned no object");
        }
        catch (Exception error)
        {
            var reason = $"could not create your {typeof(T).Name}: {Describe(Unwrap(error))}";
            creationFailures[typeof(T)] = reason;
            throw new StudentCallException(reason, error);
        }
    }

    /// <summary>
    /// An answer several checks score (samples of one expensive training run): computed once per run, kept outside
    /// the checks' dispose scopes until the run ends. A failure is remembered and rethrown to every check that asks.
    /// </summary>
    public torch.Tensor Shared(string key, Func<torch.Tensor> compute)
    {
        if (!sharedAnswers.TryGetValue(key, out var answer))
        {
            try
            {
                answer = compute().DetachFromDisposeScope();
            }
            catch (Exception error) when (error is StudentCallException or RejectedAnswerException)
            {
                answer = error;
            }

            sharedAnswers[key] = answer;
        }

        if (answer is Exception failure)
        {
            ExceptionDispatchInfo.Throw(failure);
        }

        return (torch.Tensor)answer;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var tensor in sharedAnswers.Values.OfType<torch.Tensor>())
        {
            tensor.Dispose();
        }

        sharedAnswers.Clear();
    }

    /// <summary>Calls the student's <paramref name="method"/>; any exception becomes "your Method threw ...".</summary>
    public static T Call<T>(string method, Func<T> call)
    {
        try
        {
            return call();
        }
        catch (RemoteStudentCodeException remote)
        {
            throw new StudentCallException($"your {method} {remote.Outcome}{HintFor(remote)}", remote);
        }
        catch (Exception error)
        {
            var cause = Unwrap(error);
            throw new StudentCallException($"your {method} threw {Describe(cause)}{HintFor(cause)}", error);
        }
    }

    /// <inheritdoc cref="Call{T}"/>
    public static void Call(string method, Action call) => Call(method, () =>
    {
        call();
        return true;
    });

    private static Exception Unwrap(Exception error)
    {
        while (error is TargetInvocationException or AggregateException && error.InnerException is not null)
        {
            error = error.InnerException;
        }

        return error;
    }

    private static string Describe(Exception error)
    {
        var message = error.Message;
        // libtorch appends its C++ stack ("Exception raised from ... frame #0: ..."), which only hides the message.
        var nativeStack = message.IndexOf("Exception raised from", StringComparison.Ordinal);
        if (nativeStack > 0)
        {
            message = message[..nativeStack];
        }

        message = message.ReplaceLineEndings(" ").Trim();
        if (message.Length > MaxMessageLength)
        {
            message = message[..MaxMessageLength] + "…";
        }

        return $"{error.GetType().Name}: {message}";
    }

    /// <summary>Known libtorch messages whose usual cause a student would not guess from the text alone.</summary>
    private static string HintFor(Exception error) => error.Message switch
    {
        var m when m.Contains("backward through the graph a second time", StringComparison.OrdinalIgnoreCase)
            => " (usually the generated samples were not detached in the discriminator step, so its backward freed the generator's graph)",
        var m when m.Contains("mat1 and mat2 shapes cannot be multiplied", StringComparison.OrdinalIgnoreCase)
            => " (a weight used with the wrong orientation? weights are [out, in]: z = a·Wᵀ + b)",
        var m when m.Contains("does not require grad", StringComparison.OrdinalIgnoreCase)
            => " (a tensor was detached, or created without requires_grad, before backward)",
        _ => "",
    };
}
