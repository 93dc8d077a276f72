import { render } from "preact";
import { Header } from "../components/Layout.js";
import { LoginForm } from "../accounts/LoginForm.js";
import { safeNext } from "../accounts/loginRedirect.js";

function LoginPage() {
  return (
    <>
      <Header />
      <main class="page-narrow">
        <LoginForm onSignedIn={() => location.assign(safeNext(new URLSearchParams(location.search).get("next"), location.origin))} />
      </main>
    </>
  );
}

render(<LoginPage />, document.getElementById("app")!);
