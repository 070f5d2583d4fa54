// Server rendering with route middleware (React Router 7.9+ needs the v8_middleware flag).
export default { ssr: true, future: { v8_middleware: true } };
