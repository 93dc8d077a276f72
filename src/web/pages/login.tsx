import { render } from "preact";
import { Header } from "../components/Layout.js";
import { LoginForm } from "../components/LoginForm.js";

// Only same-origin paths: `?next=//evil.example` or `?next=https://…` must not turn login into an open redirect.
function safeNext(): string {
  const next = new URLSearchParams(location.search).get("next") ?? "/";
  return next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/";
}

function LoginPage() {
  return (
    <>
      <Header />
      <main class="page-narrow">
        <LoginForm onSignedIn={() => location.assign(safeNext())} />
      </main>
    </>
  );
}

render(<LoginPage />, document.getElementById("app")!);
