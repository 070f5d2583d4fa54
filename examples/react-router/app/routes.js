import { index, route } from "@react-router/dev/routes";

export default [
  index("routes/home.jsx"),
  route("read", "routes/read.js"),
  route("write", "routes/write.js"),
  route("login", "routes/login.js"),
  route("logout", "routes/logout.js"),
  route("redirect-after-write", "routes/redirect-after-write.js"),
  route("storage/read", "routes/storage-read.js"),
  route("storage/write", "routes/storage-write.js"),
  route("storage/logout", "routes/storage-logout.js"),
];
