import { useLoaderData } from "react-router";
import { sessionContext } from "../sessions.server.js";

export function loader({ context }) {
  const session = context.get(sessionContext);
  session.data.views = (session.data.views ?? 0) + 1;
  return { views: session.data.views };
}

export default function Home() {
  const { views } = useLoaderData();
  return <p>Views in this session: {views}</p>;
}
