using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.HttpOverrides;

namespace Grader.Web.Extensions;

/// <summary>
/// Section <c>Web</c>: what the app tells about itself and accepts from a request. <c>Web:MaxUploadMegabytes</c> is the
/// one upload limit: Kestrel's request body limit, the form reader's file limit and the upload page's message all read
/// it from here.
/// </summary>
public sealed class WebSettings
{
    public const string Section = "Web";

    /// <summary>The largest file a form takes, in MiB (the student page's zip; project PDFs have their own, smaller limit).</summary>
    public int MaxUploadMegabytes { get; set; } = 50;

    /// <summary>
    /// The app's public address (<c>https://grader.example.edu</c>): the OpenAPI document's <c>servers</c>. Empty: the
    /// document names the server relative to itself ("/"), never from the request's <c>Host</c>.
    /// </summary>
    public string PublicBaseUrl { get; set; } = "";

    /// <summary>Reverse proxies (IP addresses) whose <c>X-Forwarded-For</c>/<c>X-Forwarded-Proto</c> are believed, besides loopback.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Networks of reverse proxies in CIDR form (<c>10.0.0.0/8</c>), for proxies without a fixed address.</summary>
    public List<string> KnownProxyNetworks { get; set; } = [];

    public long MaxUploadBytes => MaxUploadMegabytes * 1024L * 1024L;

    /// <summary>Room for a form's other fields and the multipart framing around the file.</summary>
    public long MaxRequestBodyBytes => MaxUploadBytes + (256 * 1024);

    public string MaxUploadText => string.Create(CultureInfo.InvariantCulture, $"{MaxUploadMegabytes} MB");

    public static WebSettings From(IConfiguration configuration)
    {
        var settings = configuration.GetSection(Section).Get<WebSettings>() ?? new WebSettings();
        if (settings.MaxUploadMegabytes is < 1 or > 4096)
        {
            throw new InvalidOperationException($"{Section}:MaxUploadMegabytes is {settings.MaxUploadMegabytes}; it must be 1 to 4096.");
        }

        if (settings.PublicBaseUrl.Length > 0 && !Uri.TryCreate(settings.PublicBaseUrl, UriKind.Absolute, out _))
        {
            throw new InvalidOperationException($"{Section}:PublicBaseUrl '{settings.PublicBaseUrl}' is not an absolute URL such as https://grader.example.edu.");
        }

        return settings;
    }
}

/// <summary>
/// What every response carries and what every request may do: security headers on every kind of response, only
/// GET/POST/HEAD, one upload limit with a message in words, and the client's scheme and address taken from known
/// proxies only.
/// </summary>
public static class WebHardening
{
    /// <summary>
    /// No inline script or style anywhere (the pages have none; keep it so); notebook images are data: URIs; the app
    /// is never framed (except a response that calls AllowFramingBySameOrigin) and forms post only to itself.
    /// </summary>
    public const string ContentSecurityPolicy = PolicyWithoutFraming + "; frame-ancestors 'none'";

    private const string PolicyWithoutFraming =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'";

    /// <summary>The same policy for a response that the app's own pages may frame (a PDF shown beside its checks).</summary>
    public const string FramedBySameOriginPolicy = PolicyWithoutFraming + "; frame-ancestors 'self'";

    private static readonly object FramedBySameOriginKey = new();

    /// <summary>Lets the app's own pages show this response in a frame; every other response stays unframeable.</summary>
    public static void AllowFramingBySameOrigin(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Items[FramedBySameOriginKey] = true;
    }

    private static readonly string[] AllowedMethods = [HttpMethods.Get, HttpMethods.Head, HttpMethods.Post];

    public static WebSettings AddGraderWebHardening(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = WebSettings.From(builder.Configuration);
        builder.Services.AddSingleton(settings);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = settings.MaxRequestBodyBytes);
        builder.Services.Configure<FormOptions>(o => o.MultipartBodyLengthLimit = settings.MaxUploadBytes);
        builder.Services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            foreach (string proxy in settings.KnownProxies)
            {
                o.KnownProxies.Add(IPAddress.TryParse(proxy, out var address) ? address
                    : throw new InvalidOperationException($"{WebSettings.Section}:KnownProxies: '{proxy}' is not an IP address."));
            }

            foreach (string network in settings.KnownProxyNetworks)
            {
                o.KnownIPNetworks.Add(System.Net.IPNetwork.TryParse(network, out var parsed) ? parsed
                    : throw new InvalidOperationException($"{WebSettings.Section}:KnownProxyNetworks: '{network}' is not a network such as 10.0.0.0/8."));
            }
        });
        return settings;
    }

    /// <summary>First in the pipeline, so that even the exception handler's and the 404's responses carry the headers.</summary>
    public static WebApplication UseGraderWebHardening(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseForwardedHeaders();
        app.Use(static (context, next) =>
        {
            // At the start of the response: an error page or a short-circuit (404, 405, 413) replaces the headers set
            // before it, never these.
            context.Response.OnStarting(static state =>
            {
                var context = (HttpContext)state;
                var headers = context.Response.Headers;
                bool framedBySameOrigin = context.Items.ContainsKey(FramedBySameOriginKey);
                headers.ContentSecurityPolicy = framedBySameOrigin ? FramedBySameOriginPolicy : ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = framedBySameOrigin ? "SAMEORIGIN" : "DENY";
                headers["Referrer-Policy"] = "same-origin";
                return Task.CompletedTask;
            }, context);

            if (!AllowedMethods.Contains(context.Request.Method, StringComparer.OrdinalIgnoreCase))
            {
                context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                context.Response.Headers.Allow = string.Join(", ", AllowedMethods);
                return Task.CompletedTask;
            }

            return next(context);
        });
        app.Use(ReadFormWithinTheLimitAsync);
        return app;
    }

    /// <summary>
    /// Reads a posted form before a page binds it: a body over the upload limit then gets 413 and a sentence saying the
    /// limit, instead of the empty 400 model binding answers to a form it could not read. Nothing was stored.
    /// </summary>
    private static async Task ReadFormWithinTheLimitAsync(HttpContext context, RequestDelegate next)
    {
        if (HttpMethods.IsPost(context.Request.Method) && context.Request.HasFormContentType)
        {
            var settings = context.RequestServices.GetRequiredService<WebSettings>();
            try
            {
                await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidDataException or BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
            {
                await WriteTooLargeAsync(context, settings).ConfigureAwait(false);
                return;
            }
        }

        await next(context).ConfigureAwait(false);
    }

    private static async Task WriteTooLargeAsync(HttpContext context, WebSettings settings)
    {
        context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        // The client may still be sending; it gets the answer and the connection is closed after it.
        context.Response.Headers.Connection = "close";
        context.Response.ContentType = "text/html; charset=utf-8";
        string back = WebUtility.HtmlEncode(context.Request.Path.Value ?? "/");
        string message = context.Request.ContentType?.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase) == true
            ? $"The upload is larger than {settings.MaxUploadText}, the limit for a file; nothing was stored. Make the file smaller (leave out data sets and checkpoints) and upload it again."
            : "The form is larger than this app takes; nothing was changed. Shorten what you typed and send it again.";
        await context.Response.WriteAsync(string.Create(CultureInfo.InvariantCulture,
            $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8" /><title>Too large</title><link rel="stylesheet" href="/site.css" /></head>
            <body><main id="main"><h1>Too large</h1>
            <p class="validation" role="alert">{message}</p>
            <p><a href="{back}">Back to the form</a></p></main></body></html>
            """), context.RequestAborted).ConfigureAwait(false);
    }
}
