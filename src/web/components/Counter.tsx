/** One figure of a counters row (the studio's live counters, the show report's totals). */
export function Counter({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div class="counter">
      <span class="counter-value" data-testid={testId}>
        {value}
      </span>
      <span class="counter-label">{label}</span>
    </div>
  );
}
