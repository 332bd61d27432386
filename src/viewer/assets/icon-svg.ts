/** The tab icon: a tree of three timing bars. */
export const ICON_SVG = String.raw`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">
<rect width="16" height="16" rx="3" fill="#1f2937"/>
<rect x="2" y="3" width="12" height="2.5" rx="1" fill="#60a5fa"/>
<rect x="4" y="7" width="6" height="2.5" rx="1" fill="#c084fc"/>
<rect x="8" y="11" width="5" height="2.5" rx="1" fill="#f87171"/>
</svg>
`;
