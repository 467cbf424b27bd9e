using Grader.Data.GitHub;
using Grader.GitHub;
using Grader.Data;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Grader.Web.GitHub;

/// <summary>
/// <c>POST /github/webhook</c>: the organisation's webhook. Every delivery must carry a valid
/// <c>X-Hub-Signature-256</c> over the exact body; a delivery id seen before is acknowledged and ignored (GitHub
/// redelivers); a push becomes a <see cref="RepositoryEvidence"/> row stamped with Grader's own receipt time.
/// </summary>
public static class GitHubWebhookEndpoint
{
    public const string Path = "/github/webhook";

    /// <summary>GitHub caps payloads at 25 MB.</summary>
    private const int MaxBodyBytes = 25 * 1024 * 1024;

    public static IEndpointRouteBuilder MapGitHubWebhook(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapPost(Path, ReceiveAsync).AllowAnonymous().DisableAntiforgery();
        return endpoints;
    }

    private static async Task<IResult> ReceiveAsync(HttpContext context, WebhookSecret secret, GraderDbContext db, IClock clock, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(GitHubWebhookEndpoint));
        var request = context.Request;
        if (request.ContentLength > MaxBodyBytes)
        {
            return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
        }

        // A chunked body has no length to check first: read at most one byte past the limit, before the signature.
        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }

        byte[]? body = await ReadAtMostAsync(request.Body, MaxBodyBytes, context.RequestAborted).ConfigureAwait(false);
        if (body is null)
        {
            return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
        }

        if (!WebhookSignature.IsValid(secret.Value, body, request.Headers[WebhookSignature.HeaderName].FirstOrDefault()))
        {
            logger.LogWarning("GitHub webhook refused: bad or missing {Header} from {Remote}", WebhookSignature.HeaderName, context.Connection.RemoteIpAddress);
            return Results.Problem($"{WebhookSignature.HeaderName} is missing or does not match the body", statusCode: StatusCodes.Status401Unauthorized);
        }

        string? deliveryId = request.Headers["X-GitHub-Delivery"].FirstOrDefault();
        string? eventName = request.Headers["X-GitHub-Event"].FirstOrDefault();
        if (string.IsNullOrWhiteSpace(deliveryId) || deliveryId.Length > 64 || string.IsNullOrWhiteSpace(eventName))
        {
            return Results.Problem("the X-GitHub-Delivery and X-GitHub-Event headers are required", statusCode: StatusCodes.Status400BadRequest);
        }

        if (await db.Set<GitHubDelivery>().AnyAsync(d => d.DeliveryId == deliveryId, context.RequestAborted).ConfigureAwait(false))
        {
            return Results.Ok(new { delivery = deliveryId, status = "duplicate" });
        }

        // The course clock, like every time the deadlines are compared with.
        var receivedAt = clock.GetCurrentInstant().ToDateTimeUtc();
        db.Set<GitHubDelivery>().Add(new GitHubDelivery { DeliveryId = deliveryId, Event = eventName, ReceivedAtUtc = receivedAt });
        string status = "ignored";
        if (eventName == "push")
        {
            PushEvent push;
            try
            {
                push = PushEvent.Parse(body);
            }
            catch (FormatException e)
            {
                return Results.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest);
            }

            db.Set<RepositoryEvidence>().Add(new RepositoryEvidence
            {
                Kind = EvidenceKind.Push,
                RepositoryFullName = push.RepositoryFullName,
                Ref = push.Ref,
                Before = push.Before,
                Sha = push.After,
                Forced = push.Forced,
                Pusher = push.Pusher,
                DeliveryId = deliveryId,
                ReceivedAtUtc = receivedAt,
                ClaimedCommitTimeUtc = push.HeadCommitTimestamp?.UtcDateTime,
            });
            status = push.Forced ? "recorded force-push" : "recorded";
        }

        try
        {
            await db.SaveChangesAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (DbUpdateException)
        {
            // The same delivery arrived twice at once and the other request stored it first.
            db.ChangeTracker.Clear();
            if (await db.Set<GitHubDelivery>().AnyAsync(d => d.DeliveryId == deliveryId, CancellationToken.None).ConfigureAwait(false))
            {
                return Results.Ok(new { delivery = deliveryId, status = "duplicate" });
            }

            throw;
        }

        return Results.Ok(new { delivery = deliveryId, status });
    }

    /// <summary>The whole body, or null once it passes <paramref name="maxBytes"/> (the rest is never read).</summary>
    private static async Task<byte[]?> ReadAtMostAsync(Stream body, int maxBytes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        byte[] chunk = new byte[81920];
        try
        {
            int read;
            while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }

        return buffer.ToArray();
    }
}
