using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Grader.Web.Pages;

/// <summary>
/// A page whose form fields can fail to bind (numbers, ids): when one does, its handler does not run and the page is
/// shown again with the message beside the field. Without this, <c>Days=99999999999999</c> bound as the default
/// (1 day) and replaced an existing extension, and <c>Points=fifteen</c> recorded 0 points.
/// </summary>
public interface IRedisplaysInvalidInput
{
    /// <summary>Loads what the page shows (as its GET does) and returns the page, or NotFound/Forbid as the GET would.</summary>
    Task<IActionResult> RedisplayAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Stops every POST handler whose input did not bind: a value that could not be converted never reaches a decision.
/// Pages that can show the form again (<see cref="IRedisplaysInvalidInput"/>) do; any other answers 400 with the errors.
/// </summary>
public sealed class InvalidInputPageFilter : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (!HttpMethods.IsPost(context.HttpContext.Request.Method) || !HasBindingErrors(context.ModelState))
        {
            await next();
            return;
        }

        if (context.HandlerInstance is IRedisplaysInvalidInput page)
        {
            ForgetCheckBoxValuesThatAreNotBooleans(context);
            context.Result = await page.RedisplayAsync(context.HttpContext.RequestAborted);
            return;
        }

        var errors = context.ModelState.Where(e => e.Value?.Errors.Count > 0).SelectMany(e => e.Value!.Errors.Select(error => $"{e.Key}: {error.ErrorMessage}"));
        context.Result = new BadRequestObjectResult("Nothing was changed: " + string.Join(" ", errors));
    }

    /// <summary>
    /// A check box is drawn again from the value sent, which the tag helper converts back to a boolean and throws on
    /// (<c>OpenFeedbackPullRequest=perhaps</c> took the page down): the message stays, the value is forgotten, so the box
    /// shows as it was.
    /// </summary>
    private static void ForgetCheckBoxValuesThatAreNotBooleans(PageHandlerExecutingContext context)
    {
        foreach (var property in context.ActionDescriptor.BoundProperties.Where(p => p.ParameterType == typeof(bool) || p.ParameterType == typeof(bool?)))
        {
            string key = property.BindingInfo?.BinderModelName ?? property.Name;
            if (context.ModelState.TryGetValue(key, out var entry) && entry.ValidationState == ModelValidationState.Invalid)
            {
                context.ModelState.SetModelValue(key, rawValue: null, attemptedValue: null);
            }
        }
    }

    /// <summary>A value was sent but could not be converted (a number field holding words, a number too large).</summary>
    private static bool HasBindingErrors(ModelStateDictionary state) =>
        state.Values.Any(entry => entry.ValidationState == ModelValidationState.Invalid && entry.AttemptedValue is not null && entry.Errors.Count > 0);
}
