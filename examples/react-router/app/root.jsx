import { Links, Meta, Outlet, Scripts } from "react-router";
import { sessions } from "./sessions.server.js";

/** Every route below the root, resource routes included, gets the session from this middleware. */
export const middleware = [sessions];

export function Layout({ children }) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <Meta />
        <Links />
      </head>
      <body>
        {children}
        <Scripts />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary() {
  return <p>Something went wrong.</p>;
}
