using BioDapr.Sidecar.Security;

namespace BioDapr.Sidecar.MultiAppRun;

/// <summary>
/// The credentials of one run, fresh every time <c>run -f</c> starts: an <c>APP_API_TOKEN</c> per app, given
/// to the app and to its sidecar (the sidecar sends it on every call to the app, the app refuses calls
/// without it), and one internal-channel secret shared by the run's sidecars and never given to an app
/// (<see cref="PeerAuthenticator"/>). An <c>APP_API_TOKEN</c> set in the run file's <c>env</c> for an app is
/// kept, and given to its sidecar too. The bytes come from a cryptographic source: these are credentials,
/// not simulation randomness.
/// </summary>
internal static class RunSecrets
{
    public const string AppApiToken = "APP_API_TOKEN";

    private const int TokenBytes = 32;

    /// <summary>The plans with the run's credentials in the app's and the sidecar's environment.</summary>
    public static IReadOnlyList<AppRunPlan> Apply(IReadOnlyList<AppRunPlan> apps, Func<int, byte[]> randomBytes)
    {
        ArgumentNullException.ThrowIfNull(apps);
        ArgumentNullException.ThrowIfNull(randomBytes);
        var runSecret = Token(randomBytes);
        return apps.Select(app =>
        {
            var token = app.AppEnvironment.TryGetValue(AppApiToken, out var own) && own.Length > 0 ? own : Token(randomBytes);
            return app with
            {
                AppEnvironment = new Dictionary<string, string>(app.AppEnvironment, StringComparer.Ordinal) { [AppApiToken] = token },
                SidecarEnvironment = new Dictionary<string, string>(app.SidecarEnvironment, StringComparer.Ordinal)
                {
                    [AppApiToken] = token,
                    [PeerAuthenticator.SecretVariable] = runSecret,
                },
            };
        }).ToList();
    }

    private static string Token(Func<int, byte[]> randomBytes) =>
        Convert.ToBase64String(randomBytes(TokenBytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
