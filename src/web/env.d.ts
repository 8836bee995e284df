// Vite's import queries used by the page (Vite returns the emitted file's URL as a string).
declare module '*?worker&url' {
  const url: string;
  export default url;
}
