/** Escape text for an HTML attribute or text node. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The `/demo` page: a simulated call ("End call" → the survey widget appears) wired to this server and a
 * project's publishable ingest key, so a newcomer sees the whole loop in a minute.
 */
export function demoPage(options: { projectId: string; ingestKey: string | undefined }): string {
  const key = options.ingestKey ? escapeHtml(options.ingestKey) : "";
  const project = escapeHtml(options.projectId);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Aftercall demo — simulated call</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: Canvas; color: CanvasText; }
  main { width: min(720px, 100% - 2rem); padding: 1.5rem 0; }
  h1 { font-size: 1.25rem; margin: 0 0 .25rem; }
  p.lead { margin: 0 0 1rem; opacity: .8; }
  .call { display: grid; gap: .75rem; }
  .tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: .75rem; }
  .tile { aspect-ratio: 16 / 10; border-radius: 12px; display: grid; place-items: end start; padding: .75rem;
          color: #fff; font-weight: 600; background: linear-gradient(135deg, #3a4f9b, #1c2541); }
  .tile.you { background: linear-gradient(135deg, #2a7f62, #133c2f); }
  .controls { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; }
  fieldset { border: 1px solid color-mix(in srgb, CanvasText 25%, transparent); border-radius: 8px; }
  button.end { background: #c62828; color: #fff; border: 0; border-radius: 999px; padding: .6rem 1.2rem; font-size: 1rem; cursor: pointer; }
  button.end:focus-visible, button.again:focus-visible { outline: 3px solid #90caf9; outline-offset: 2px; }
  pre { white-space: pre-wrap; word-break: break-word; background: color-mix(in srgb, CanvasText 8%, transparent); padding: .75rem; border-radius: 8px; }
  [hidden] { display: none !important; }
</style>
</head>
<body>
<main>
  <h1>Aftercall demo</h1>
  <p class="lead">A simulated call in project <code>${project}</code>. End it to see the survey; answers are stored on this server.</p>
  ${
    key
      ? ""
      : `<p role="alert">Project <code>${project}</code> has no active ingest key. Create one with <code>aftercall keys create --project ${project} --kind ingest</code>.</p>`
  }
  <section class="call" id="call" aria-label="Simulated call">
    <div class="tiles">
      <div class="tile">Ada (remote)</div>
      <div class="tile you">You</div>
    </div>
    <div class="controls">
      <fieldset>
        <legend>Used in this call</legend>
        <label><input type="checkbox" name="modality" value="audio" checked> Audio</label>
        <label><input type="checkbox" name="modality" value="video" checked> Video</label>
        <label><input type="checkbox" name="modality" value="screenshare"> Screen share</label>
      </fieldset>
      <span id="timer" aria-live="off">00:00</span>
      <button class="end" id="end" type="button" ${key ? "" : "disabled"}>End call</button>
    </div>
  </section>
  <section id="after" hidden aria-label="After the call">
    <div id="survey-slot"></div>
    <div id="result" hidden>
      <p>Stored. The server answered:</p>
      <pre id="response"></pre>
      <button class="again" id="again" type="button">Start another call</button>
    </div>
  </section>
</main>
<script type="module">
  import { createSurveyClient } from "/widget/aftercall-widget.js";
  const key = ${JSON.stringify(options.ingestKey ?? "").replace(/</g, "\\u003c")};
  // Create the client when the app starts, not when the call ends: it re-sends answers a closed or
  // offline page could not deliver.
  const client = key ? createSurveyClient({ endpoint: location.origin, projectKey: key, context: { appVersion: "demo" } }) : undefined;
  const started = Date.now();
  const timer = document.getElementById("timer");
  setInterval(() => {
    const s = Math.floor((Date.now() - started) / 1000);
    timer.textContent = String(Math.floor(s / 60)).padStart(2, "0") + ":" + String(s % 60).padStart(2, "0");
  }, 1000);
  const slot = document.getElementById("survey-slot");
  function endCall() {
    const modalities = [...document.querySelectorAll("input[name=modality]:checked")].map((i) => i.value);
    const survey = document.createElement("aftercall-survey");
    survey.client = client;
    survey.call = { callId: "demo-call-" + crypto.randomUUID().slice(0, 8), participantId: "demo-participant" };
    survey.setAttribute("modalities", modalities.join(","));
    const params = new URLSearchParams(location.search);
    for (const name of ["lang", "theme", "details"]) if (params.get(name)) survey.setAttribute(name, params.get(name));
    survey.addEventListener("aftercall-submit", (event) => {
      document.getElementById("response").textContent = JSON.stringify(event.detail, null, 2);
      document.getElementById("result").hidden = false;
    });
    survey.addEventListener("aftercall-skip", () => location.reload());
    slot.replaceChildren(survey);
    document.getElementById("call").hidden = true;
    document.getElementById("after").hidden = false;
  }
  document.getElementById("end").addEventListener("click", endCall);
  document.getElementById("again").addEventListener("click", () => location.reload());
</script>
</body>
</html>`;
}
