namespace BioDapr.Sidecar.Wire;

/// <summary>Go's <c>strconv.ParseBool</c>, which daprd uses for boolean metadata such as <c>rawPayload</c>.</summary>
internal static class GoStrconv
{
    public static bool TryParseBool(string value, out bool result)
    {
        switch (value)
        {
            case "1" or "t" or "T" or "TRUE" or "true" or "True":
                result = true;
                return true;
            case "0" or "f" or "F" or "FALSE" or "false" or "False":
                result = false;
                return true;
            default:
                result = false;
                return false;
        }
    }
}
