var T=class extends Error{status;errorCode;reasons;constructor(e,t,s){let{errorCode:i,reasons:r}=ki(s);super(`${e} failed, got status ${t} ${i}, reasons: ${r.join(",")}`),this.name="ApiError",this.status=t,this.errorCode=i,this.reasons=r}};function ki(n){let e=typeof n=="object"&&n!==null?n:{},t=typeof e.errorCode=="string"?e.errorCode:"UNKNOWN",s=Array.isArray(e.reasons)?e.reasons.map(String):e.reasons===void 0?[]:[JSON.stringify(e.reasons)];return{errorCode:t,reasons:s}}function N(n,e){if(typeof e!="string"||e.length===0)throw new TypeError(`${n} must be a non-empty string`);return e}var Ci=new RegExp("\\p{White_Space}","u"),Ai=/[\p{Alphabetic}\p{N}]/u,$i=new RegExp("\\p{Cc}","u"),re=n=>Ci.test(n),oe=n=>Ai.test(n),os=n=>$i.test(n),_=(n,e)=>n!==""&&e.includes(n),X=n=>n>=48&&n<=57,Y=n=>X(n)||n>=65&&n<=90||n>=97&&n<=122,Ei=n=>n>=55296&&n<=56319,Ti=n=>n>=56320&&n<=57343;function O(n,e){let t=n.codePointAt(e);return t===void 0?"":String.fromCodePoint(t)}function J(n,e){if(e<=0)return"";let t=e>=2&&Ti(n.charCodeAt(e-1))&&Ei(n.charCodeAt(e-2));return n.slice(t?e-2:e-1,e)}function W(n,e,t){let s=e;for(let i=O(n,s);i!==""&&t(i);i=O(n,s))s+=i.length;return s}function _e(n,e,t){for(let s=0;s<t.length;s++){let i=n.charCodeAt(e+s);if((i>=65&&i<=90?i+32:i)!==t.charCodeAt(s))return!1}return!0}function Ze(n,e){let t=Math.min(n.length,e.length);for(let s=0;s<t;s++){let i=n.charCodeAt(s),r=e.charCodeAt(s);if(i!==r)return Js(i)-Js(r)}return n.length-e.length}function Js(n){return n>=57344?n-2048:n>=55296?n+8192:n}var ae="<!!mention:",Ue="<!!customemoji:",Oe=48,et=n=>Y(n)||n===95||n===43||n===45,ye=n=>oe(n)||_(n,"_+-:");function tt(n){if(!n.includes("%"))return n;let e=new TextEncoder,t=n.split(/%([0-9A-Fa-f]{2})/).flatMap((s,i)=>i%2===1?[Number.parseInt(s,16)]:[...e.encode(s)]);return new TextDecoder("utf-8",{ignoreBOM:!0}).decode(Uint8Array.from(t))}function st(n){let e="";for(let t of new TextEncoder().encode(n)){let s=Y(t)||t===45||t===95||t===46||t===126;e+=s?String.fromCharCode(t):`%${t.toString(16).toUpperCase().padStart(2,"0")}`}return e}var Mi=1600;function we(n,e){return Pi(n,e,Mi)}function Pi(n,e,t){let s=[];return new hs(e,t).document(n,s),s}var ds={"*":{bit:1,type:"bold"},_:{bit:2,type:"italic"},"~":{bit:4,type:"strikethrough"}},Qs=7,hs=class{options;budget;constructor(e,t){this.options=e,this.budget=t}take(){return this.budget===0?!1:(this.budget--,!0)}document(e,t){let s=0;for(;this.budget>0;){let i=e.indexOf("```",s);if(i<0)break;let r=i+3,o=O(e,r),a=o===""?-1:e.indexOf("```",r+o.length);if(a<0)break;this.budget--,this.segment(e.slice(s,i),t),t.push({type:"codeSpan",text:e.slice(r,a)}),s=a+3}this.segment(e.slice(s),t)}segment(e,t){let s=0,i=0;for(;i<e.length;){let r=Zs(e,i);if(tn(e.slice(i,r))===void 0){i=r+1;continue}if(this.lines(e.slice(s,i),t),s=i,this.budget<2){i=r+1;continue}this.budget--;let o=[],a=i;for(;a<e.length;){let l=Zs(e,a),c=tn(e.slice(a,l));if(c===void 0||!this.take())break;let p=[];this.inline(e.slice(a+c,l),p),o.push({type:"bulletPoint",children:p}),a=Math.min(l+1,e.length)}t.push({type:"bulletList",children:o}),s=a,i=a}this.lines(e.slice(s),t)}lines(e,t){e.split(`
`).forEach((s,i)=>{i>0&&nt(t,`
`),this.inline(s,t)})}inline(e,t){if(e==="")return;let s=[e];e.includes("<")&&(s=this.split(s,Ii)),(e.includes(":")||e.includes("<"))&&(s=this.split(s,Ri)),this.options.linksAndActions&&e.includes("<")&&(s=this.split(s,Ui),s=this.split(s,Oi));for(let i of s)typeof i=="string"?this.wiki(i,Qs,!0,t):t.push(i)}split(e,t){let s=[];for(let i of e){if(typeof i!="string"){s.push(i);continue}let r=0;for(;this.budget>0;){let o=t(i,r);if(o===void 0)break;this.budget--,o.start>r&&s.push(i.slice(r,o.start)),s.push(this.node(o)),r=o.end}r<i.length&&s.push(i.slice(r))}return s}node(e){switch(e.kind){case"mention":return{type:"mention",id:tt(e.id),text:e.name};case"emoji":return{type:"customEmoji",text:`:${e.name}:`};case"link":return{type:"link",url:e.url,children:this.label(e.label)};case"action":{let t=ji(e.params);return{type:e.button?"actionButton":"actionLink",action:e.action,params:t,children:this.label(e.label)}}}}label(e){let t=[];return this.wiki(e,Qs,!1,t),t}wiki(e,t,s,i){if(this.budget===0||!Fi(e,t)){this.leaf(e,s,i);return}let r={"*":[],_:[],"~":[]};for(let c=1;c<e.length;c++){let p=us(e,c,t);if(p===void 0)continue;let h=J(e,c),f=O(e,c+1);re(h)||h===p||f!==""&&!an(f)||r[p].push(c)}let o={"*":0,_:0,"~":0},a=0,l=0;for(;l<e.length;){let c=us(e,l,t);if(c===void 0||this.budget===0||!Ni(e,l,c)){l++;continue}let p=r[c];for(;(p[o[c]]??Number.POSITIVE_INFINITY)<l+2;)o[c]++;let h=p[o[c]];if(h===void 0){l++;continue}this.budget--,this.leaf(e.slice(a,l),s,i);let f=[];this.wiki(e.slice(l+1,h),t&~ds[c].bit,s,f),i.push({type:ds[c].type,children:f}),l=h+1,a=l}this.leaf(e.slice(a),s,i)}leaf(e,t,s){if(!t){nt(s,e);return}let i=0;for(;this.budget>0;){let r=qi(e,i);if(r===void 0)break;this.budget--,this.phones(e.slice(i,r.start),s),s.push({type:"autoLink",url:r.url,text:e.slice(r.start,r.end)}),i=r.end}this.phones(e.slice(i),s)}phones(e,t){let s=0;for(;this.budget>0;){let i=zi(e,s);if(i===void 0)break;this.budget--,nt(t,e.slice(s,i.start));let r=e.slice(i.start,i.end);t.push({type:"autoLink",url:Hi(r),text:r}),s=i.end}nt(t,e.slice(s))}};function nt(n,e){if(e==="")return;let t=n.length-1,s=n[t];typeof s=="string"?n[t]=s+e:n.push(e)}function Zs(n,e){let t=n.indexOf(`
`,e);return t<0?n.length:t}var en=n=>n!==`
`&&re(n);function tn(n){let e=W(n,0,en);if(!_(n.charAt(e),"-*+"))return;let t=W(n,e+1,en);return t===e+1||t===n.length?void 0:t}function ps(n,e){if(n[e]!=="|")return;let t=e+1,s=W(n,t,i=>i!=="<"&&i!==">");if(!(s===t||n[s]!==">"))return{label:n.slice(t,s),end:s+1}}var it=n=>!(re(n)||os(n)||_(n,"|<>"));function Ii(n,e){for(let t=n.indexOf(ae,e);t>=0;t=n.indexOf(ae,t+1)){let s=t+ae.length,i=W(n,s,it),r=i>s?ps(n,i):void 0;if(r!==void 0)return{kind:"mention",start:t,end:r.end,id:n.slice(s,i),name:r.label}}}function sn(n,e,t){let s=e;for(;s-e<=Oe&&et(n.charCodeAt(s));)s++;let i=s-e;return i>=1&&i<=Oe&&n[s]===t?s:void 0}function Ri(n,e){for(let t=e;t<n.length;t++)if(n.startsWith(Ue,t)){let s=t+Ue.length,i=sn(n,s,">");if(i!==void 0)return{kind:"emoji",start:t,end:i+1,name:n.slice(s,i)}}else if(n[t]===":"&&!ye(J(n,t))){let s=sn(n,t+1,":");if(s!==void 0&&!ye(O(n,s+1)))return{kind:"emoji",start:t,end:s+1,name:n.slice(t+1,s)}}}function on(n,e){return _e(n,e,"https://")?8:_e(n,e,"http://")?7:0}function _i(n){let e=on(n,0);if(e>0){let t=n.charAt(e);return t!==""&&!_(t,"/?#")}return _e(n,0,"mailto:")&&n.length>7}function Ui(n,e){for(let t=n.indexOf("<",e);t>=0;t=n.indexOf("<",t+1)){let s=W(n,t+1,it),i=n.slice(t+1,s),r=_i(i)?ps(n,s):void 0;if(r!==void 0)return{kind:"link",start:t,end:r.end,url:i,label:r.label}}}function Oi(n,e){for(let t=n.indexOf("<",e);t>=0;t=n.indexOf("<",t+1)){let s=n.startsWith("actionbutton:",t+1);if(!s&&!n.startsWith("actionlink:",t+1))continue;let i=t+1+(s?"actionbutton:":"actionlink:").length,r=W(n,i,c=>it(c)&&c!=="?");if(r===i)continue;let o=n[r]==="?",a=o?W(n,r+1,it):r,l=ps(n,a);if(l!==void 0){let c=n.slice(i,r),p=o?n.slice(r+1,a):"";return{kind:"action",start:t,end:l.end,button:s,action:c,params:p,label:l.label}}}}function ji(n){let e=new Map;for(let t of n.split("&")){if(t==="")continue;let s=t.indexOf("="),i=s<0?t:t.slice(0,s);e.set(tt(i),s<0?"":tt(t.slice(s+1)))}return Object.fromEntries([...e].sort(([t],[s])=>Ze(t,s)))}function us(n,e,t){let s=n[e];return(s==="*"||s==="_"||s==="~")&&(ds[s].bit&t)!==0?s:void 0}function Fi(n,e){for(let t=0;t<n.length;t++)if(us(n,t,e)!==void 0)return!0;return!1}var Li="’'()[]{}<>:,‒–—―…!.«»-‐?‘“”;/⁄␠·&@*\\•^¤¢$€£¥₩₪†‡°¡¿¬#№%‰‱¶′§~¨_|¦⁂☞∴‽※",an=n=>re(n)||_(n,Li);function Ni(n,e,t){let s=J(n,e);if(s!==""&&!an(s))return!1;let i=O(n,e+1);return i!==""&&!re(i)&&i!==t}var Wi=new Set("ai app at au be biz blog br ca cc ch cloud cn co com cz de dev dk edu es eu fi fm fr gg gov gr hu ie in info int io it jp me mil mx net nl no nu nz online org page pl pt ro ru se shop site sk store tech tv uk us xyz za".split(" ")),Di=n=>n===""||!(oe(n)||_(n,".-_@/%+~#=&\\$")),as=n=>!(re(n)||os(n)||_(n,'<>"|`')),nn=n=>Y(n)||n===45;function ls(n,e,t,s){let i=n.slice(e,t),r=i.split("(").length-1,o=i.split(")").length-1,a=t;for(;a>s;){let l=n.charAt(a-1);if(_(l,`.,;:!?'"`))a--;else if(l===")"&&o>r)o--,a--;else break}return a}function rn(n,e){let t=e,s=e;for(;;){for(;nn(n.charCodeAt(s));)s++;if(s===t)return;if(n[s]!=="."||!nn(n.charCodeAt(s+1)))return{end:s,lastLabel:t};s++,t=s}}function cs(n,e){let t=O(n,e);return!(oe(t)||t==="_"||t==="@")}function qi(n,e){for(let t=e;t<n.length;t++)if(Y(n.charCodeAt(t))&&Di(J(n,t))){let s=Bi(n,t);if(s!==void 0)return s}}function Bi(n,e){let t=on(n,e);if(t>0){let o=e+t;if(!oe(O(n,o)))return;let a=ls(n,e,W(n,o,as),o+1);return{start:e,end:a,url:n.slice(e,a)}}if(_e(n,e,"www.")&&oe(O(n,e+4))){let o=ls(n,e,W(n,e+4,as),e+5);return{start:e,end:o,url:`https://${n.slice(e,o)}`}}let s=e;for(;Y(n.charCodeAt(s))||_(n.charAt(s),"._%+-");)s++;if(n[s]==="@"){let o=s+1,a=rn(n,o);return a!==void 0&&a.lastLabel>o&&a.end-a.lastLabel>=2&&/^[A-Za-z]+$/.test(n.slice(a.lastLabel,a.end))&&cs(n,a.end)?{start:e,end:a.end,url:`mailto:${n.slice(e,a.end)}`}:void 0}let i=rn(n,e);if(i===void 0||i.lastLabel===e||!Wi.has(n.slice(i.lastLabel,i.end).toLowerCase())||!cs(n,i.end))return;let r=i.end;if(n[r]===":"){let o=r+1,a=o;for(;X(n.charCodeAt(a))&&a-o<5;)a++;a>o&&cs(n,a)&&!X(n.charCodeAt(a))&&(r=a)}return _(n.charAt(r),"/?#")&&(r=ls(n,e,W(n,r,as),r)),{start:e,end:r,url:`https://${n.slice(e,r)}`}}var ln=n=>Y(n.charCodeAt(0))||_(n,"_-:/");function Hi(n){return`tel:${n.startsWith("+")?"+":""}${n.replace(/[^0-9]/g,"")}`}function zi(n,e){let t=e;for(;t<n.length;){let s=n.charAt(t);if((X(n.charCodeAt(t))||s==="("||s==="+")&&!ln(J(n,t))){let i=Vi(n,t);if(i!==void 0){if(!Gi(n.slice(t,i)))return{start:t,end:i};t=i;continue}}t++}}function Vi(n,e){let t=e;if((n[t]==="("||n[t]==="+")&&t++,!X(n.charCodeAt(t)))return;t++;let s=[void 0];for(;s.length<13;)if(X(n.charCodeAt(t)))t++,s.push(t);else if(_(n.charAt(t),"-_+ ().")&&X(n.charCodeAt(t+1)))t+=2,s.push(void 0);else break;for(let i=s.length;i>=7;i--){let r=s[i-1];if(r!==void 0&&!ln(O(n,r)))return r}}function Gi(n){let e=n.split(/[-.]/);if(!e.every(r=>/^[0-9]+$/.test(r)))return!1;let t=n.split("-").length-1,s=(r="")=>r.startsWith("19")||r.startsWith("20"),i=e.map(r=>r.length).join(",");return i==="4,4"?t===1:/^[12],2,[12],2$/.test(i)?t===1&&n.split("-").every(r=>r.includes(".")):/^4,[12],[12]$/.test(i)?s(e[0]):/^[12],[12],4$/.test(i)?s(e[2]):!1}function je(n){return n.map(Ki).join(`

`)}function Ki(n){switch(n.type){case"text":return rt(n.children);case"file":return Yi(n);case"location":return"📍"}}function rt(n){return n.map(Xi).join("")}function Xi(n){if(typeof n=="string")return n;switch(n.type){case"bulletPoint":return`- ${rt(n.children)}
`;case"codeSpan":case"autoLink":case"customEmoji":return n.text;case"mention":return`@${n.text}`;default:return rt(n.children)}}var cn=2n**64n-1n;function Yi(n){switch(n.subtype){case"video":return`🎥 ${n.filename}`;case"image":return`📷 ${n.filename}`;case"audio":return`🎧 ${n.filename}`;case"voice":{let{duration:e}=n;if(e===void 0||!Number.isFinite(e)||e<0)return"🎙️";let t=BigInt(Math.round(e)),s=t<cn?t:cn;return`🎙️ (${s/60n}:${String(s%60n).padStart(2,"0")})`}default:return`📎 ${n.filename}`}}function ot(n){let e=new fs;return e.nodes(n),e.finish()}function Ji(n){if(n.length<1||n.length>Oe)return!1;for(let e=0;e<n.length;e++)if(!et(n.charCodeAt(e)))return!1;return!0}var fs=class{out="";emojis=[];nodes(e){e.forEach((t,s)=>{typeof t=="string"?this.out+=t:this.node(t,s+1<e.length)})}wrap(e,t){this.out+=e,this.nodes(t),this.out+=e}node(e,t){switch(e.type){case"bold":this.wrap("*",e.children);break;case"italic":this.wrap("_",e.children);break;case"strikethrough":this.wrap("~",e.children);break;case"codeSpan":this.out+=`\`\`\`${e.text}\`\`\``;break;case"bulletList":e.children.forEach((s,i)=>{i>0&&(this.out+=`
`),this.out+="- ",typeof s!="string"&&s.type==="bulletPoint"?this.nodes(s.children):this.nodes([s])}),t&&(this.out+=`
`);break;case"bulletPoint":this.out+="- ",this.nodes(e.children);break;case"link":this.out+=`<${e.url}|`,this.nodes(e.children),this.out+=">";break;case"autoLink":this.out+=e.text;break;case"actionLink":case"actionButton":{let s=e.type==="actionLink"?"actionlink:":"actionbutton:",r=Object.entries(e.params).sort(([o],[a])=>Ze(o,a)).map(([o,a])=>`${st(o)}=${st(a)}`).join("&");this.out+=`<${s}${e.action}${r===""?"":`?${r}`}|`,this.nodes(e.children),this.out+=">";break}case"customEmoji":{let{text:s}=e;s.length>=2&&s.startsWith(":")&&s.endsWith(":")&&Ji(s.slice(1,-1))&&this.emojis.push({start:this.out.length,end:this.out.length+s.length}),this.out+=s;break}case"mention":this.out+=`${ae}${st(e.id)}|${e.text}>`;break}}finish(){let e=this.out,t="",s=0,i=0,r=!1;for(let{start:o,end:a}of this.emojis){for(;i<o;i++){let c=e[i];c===`
`||c===">"?r=!1:c==="<"&&(r=e.startsWith(ae,i))}i=a;let l=!r&&!ye(J(e,o))&&!ye(O(e,a));t+=e.slice(s,o),t+=l?e.slice(o,a):`${Ue}${e.slice(o+1,a-1)}>`,s=a}return t+e.slice(s)}};function Qi(n){return new TextEncoder().encode(n)}function gs(n,e){return n<<e|n>>>32-e}function dn(n){let e=Qi(n),t=e.length*8,s=new Uint8Array((e.length+8>>6)*64+64);s.set(e),s[e.length]=128;let i=new DataView(s.buffer);i.setUint32(s.length-8,Math.floor(t/4294967296)),i.setUint32(s.length-4,t>>>0);let r=1732584193,o=4023233417,a=2562383102,l=271733878,c=3285377520,p=new Uint32Array(80);for(let h=0;h<s.length;h+=64){for(let v=0;v<16;v++)p[v]=i.getUint32(h+v*4);for(let v=16;v<80;v++)p[v]=gs((p[v-3]??0)^(p[v-8]??0)^(p[v-14]??0)^(p[v-16]??0),1);let[f,g,y,m,R]=[r,o,a,l,c];for(let v=0;v<80;v++){let G,K;v<20?(G=g&y|~g&m,K=1518500249):v<40?(G=g^y^m,K=1859775393):v<60?(G=g&y|g&m|y&m,K=2400959708):(G=g^y^m,K=3395469782);let Si=gs(f,5)+G+R+K+(p[v]??0)>>>0;R=m,m=y,y=gs(g,30)>>>0,g=f,f=Si}r=r+f>>>0,o=o+g>>>0,a=a+y>>>0,l=l+m>>>0,c=c+R>>>0}return[r,o,a,l,c].map(h=>h.toString(16).padStart(8,"0")).join("")}function hn(n){return typeof n=="object"?n.id:String(n)}function at(n,e){let t=[hn(n),hn(e)].sort();return dn(JSON.stringify(t)).slice(0,20)}var Zi;function un(){let n=Zi??globalThis.WebSocket;if(!n)throw new Error("No WebSocket implementation: call registerPolyfills({ WebSocket }) with the `ws` package first");return n}var pn="-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";function fn(n=Date.now()){let e="",t=n;for(let r=0;r<8;r++)e=pn[t%64]+e,t=Math.floor(t/64);let s=new Uint8Array(12);globalThis.crypto.getRandomValues(s);let i="";for(let r of s)i+=pn[r&63];return e+i}var x=Symbol("loading"),S=class{constructor(e){this.error=e}error};function w(n){return n===x||n instanceof S}function b(n){let e=n.get();if(w(e))throw e;return e}var le,xe=0,Fe=new Set,Le=class{observers=new Set;get(){return le?.add(this),this.peek()}observe(e){this.observers.add(e)}unobserve(e){this.observers.delete(e)}notify(){for(let e of[...this.observers])e.stale()}},A=class extends Le{#e;constructor(e){super(),this.#e=e}peek(){return this.#e}set(e){Object.is(e,this.#e)||(this.#e=e,ce(()=>this.notify()))}},k=class extends Le{#e;#t=!1;#s=new Set;#n;#i;constructor(e,t){super(),this.#n=e,this.#i=t}peek(){return this.#t||this.#r(),this.#e}stale(){this.#t&&(this.#t=!1,this.notify())}dispose(){for(let e of this.#s)e.unobserve(this);this.#s.clear(),this.#t=!1}#r(){let e=le,t=new Set;le=t;let s;try{s=this.#n()}catch(o){if(!w(o))throw o;s=o}finally{le=e}for(let o of this.#s)t.has(o)||o.unobserve(this);for(let o of t)this.#s.has(o)||o.observe(this);this.#s=t;let i=this.#e,r=i!==void 0&&this.#i!==void 0&&!w(i)&&!w(s)&&this.#i(i,s);this.#e=r?i:s,this.#t=!0}},Ne=class{#e=new Set;#t=!1;#s;constructor(e){this.#s=e,this.execute()}stale(){this.#t||(Fe.add(this),xe===0&&gn())}execute(){if(this.#t)return;let e=le,t=new Set;le=t;try{this.#s()}finally{le=e}if(!this.#t){for(let s of this.#e)t.has(s)||s.unobserve(this);for(let s of t)this.#e.has(s)||s.observe(this);this.#e=t}}dispose(){this.#t=!0,Fe.delete(this);for(let e of this.#e)e.unobserve(this);this.#e.clear()}};function ce(n){xe++;try{return n()}finally{xe--,xe===0&&gn()}}function gn(){for(;Fe.size>0;){let n=[...Fe];Fe.clear(),xe++;try{for(let e of n)e.execute()}finally{xe--}}}function mn(n,e){if(n.length!==e.length)return!1;for(let t=0;t<n.length;t++)if(n[t]!==e[t])return!1;return!0}function Se(n,e){if(n===e)return!0;if(typeof n!="object"||typeof e!="object"||n===null||e===null)return!1;let t=Object.keys(n);if(t.length!==Object.keys(e).length)return!1;for(let s of t)if(n[s]!==e[s])return!1;return!0}var Q=class extends Le{#e=[];#t=new Map;#s=[];#n=!0;#i=!1;#r=new Set;peek(){return this.#n||this.#l(),this.#s}get items(){return this.#e}setItems(e){let t=new Map;for(let s of e){let i=this.#t.get(s);i?this.#t.delete(s):i=this.#o(s),t.set(s,i)}for(let[s,i]of this.#t)s.unobserve(i);this.#t=t,this.#e=e.slice(),this.#i=!0,this.#r.clear(),this.#a()}insert(e,t){this.#t.set(t,this.#o(t));let s=this.#e.slice();s.splice(e,0,t),this.#e=s;let i=t.peek();if(this.#n&&!w(this.#s)&&!w(i)){let r=this.#s.slice();r.splice(e,0,i),this.#s=r,ce(()=>this.notify())}else this.#i=!0,this.#a()}removeAt(e){let t=this.#e[e];if(!t)return;let s=this.#t.get(t);s&&t.unobserve(s),this.#t.delete(t),this.#r.delete(t);let i=this.#e.slice();if(i.splice(e,1),this.#e=i,this.#n&&!w(this.#s)){let r=this.#s.slice();r.splice(e,1),this.#s=r,ce(()=>this.notify())}else this.#i=!0,this.#a()}dispose(){for(let[e,t]of this.#t)e.unobserve(t);this.#t.clear(),this.#e=[],this.#s=[],this.#r.clear()}#o(e){let t={stale:()=>{this.#r.add(e),this.#a()}};return e.observe(t),t}#a(){this.#n&&(this.#n=!1,ce(()=>this.notify()))}#l(){this.#n=!0;let e=this.#s;if(this.#i||w(e)){this.#i=!1,this.#r.clear();let s=new Array(this.#e.length);for(let i=0;i<this.#e.length;i++){let r=this.#e[i].peek();if(w(r)){this.#s=r;return}s[i]=r}this.#s=s;return}if(this.#r.size===0)return;let t;for(let s of this.#r){let i=this.#e.indexOf(s);if(i<0)continue;let r=s.peek();if(w(r)){this.#r.clear(),this.#s=r;return}r!==e[i]&&(t??=e.slice(),t[i]=r)}this.#r.clear(),t&&(this.#s=t)}};var j=class{#e=0;#t;#s=!1;generation=0;get live(){return this.#s}acquire(){this.#e++,this.#t&&(clearTimeout(this.#t),this.#t=void 0),this.#s||(this.#s=!0,this.generation++,this.start())}release(){if(this.#e===0||(this.#e--,this.#e>0||this.#t))return;let e=setTimeout(()=>{this.#t=void 0,this.#e===0&&this.drop()},5e3);e.unref?.(),this.#t=e}drop(){this.#t&&clearTimeout(this.#t),this.#t=void 0,this.#s&&(this.#s=!1,this.generation++,this.stop())}};function ms(n,e){if(e===null)return{};let t={...n};for(let[s,i]of Object.entries(e))i===null?delete t[s]:t[s]=i;return t}function ke(n,e){let t={...n};for(let[s,i]of Object.entries(e))s==="custom"?t.custom=ms(n.custom,i):t[s]=i;return t}function L(n){let e=n.status;return e===404||e===403&&n.errorCode==="NOT_A_PARTICIPANT"}var D=class extends j{status=new A(x);loadedAll=new A(!1);cursor=null;#e;run(e){let t=(this.#e??Promise.resolve()).then(e,e);return this.#e=t,t.finally(()=>{this.#e===t&&(this.#e=void 0)}),t}start(){this.conn.subscribe(this.path()),this.run(()=>this.fetchFirst(this.firstLimit()))}stop(){this.conn.unsubscribe(this.path()),this.clear(),this.status.set(x),this.loadedAll.set(!1),this.cursor=null,this.dispose()}resync(){this.run(()=>this.fetchFirst(this.firstLimit()))}failed(e){L(e)?(this.clear(),this.status.set(null)):this.status.set(new S(e))}fetchFirst(e){let t=this.generation;return new Promise(s=>{this.conn.fetch("GET",this.path(),this.firstPageData(e),`Get ${this.noun}`,i=>{t===this.generation&&(this.takeFirst(i),this.status.set(!0)),s()},i=>{t===this.generation&&this.failed(i),s()})})}async loadMore(e){let t=this.moreLimit(e);await this.run(async()=>{if(this.status.peek()!==!0||this.loadedAll.peek()||await this.beforeMore(t))return;let s=this.generation;await new Promise((i,r)=>{this.conn.fetch("GET",this.path(),{limit:t,cursor:this.cursor},`Load more ${this.noun}`,o=>{s===this.generation&&this.status.peek()===!0&&this.takeMore(o),i()},r)})})}firstPageData(e){return{limit:e}}async beforeMore(e){return!1}joined(){this.live&&this.status.peek()===null&&this.run(()=>this.fetchFirst(this.firstLimit()))}left(){this.live&&(this.clear(),this.status.set(null),this.loadedAll.set(!1),this.cursor=null)}};function Z(n,e,t){return n===void 0||!Number.isFinite(n)?e:Math.max(1,Math.min(t,Math.floor(n)))}var vs=1,Ce=30,vn=100,bn=new WeakMap;function yn(n){let e=bn.get(n);return e===void 0&&(e=je(n),bn.set(n,e)),e}var er=Object.freeze([]);function wn(n){let e=Object.entries(n);return e.length===0?er:(e.sort(([t,s],[i,r])=>s.createdAt-r.createdAt||(t<i?-1:t>i?1:0)),Object.freeze(e.map(([t,s])=>Object.freeze({emoji:t,count:s.count,currentUserReacted:s.currentUserReacted}))))}function tr(n,e){let t={...n};for(let[s,i]of Object.entries(e))s==="custom"?t.custom=ms(n.custom,i):s==="reactions"?t.reactions=sr(n.reactions,i):t[s]=i;return t}function sr(n,e){if(e===null)return{};let t={...n};for(let[s,i]of Object.entries(e)){let r=i;if(r===null||r.count===0){delete t[s];continue}let o=t[s];t[s]={count:r.count??o?.count??0,currentUserReacted:r.currentUserReacted??o?.currentUserReacted??!1,createdAt:r.createdAt??o?.createdAt??0}}return t}var lt=class{constructor(e,t){this.conv=e;this.id=t;this.snapshot=new k(()=>{let s=b(this.wire);if(s===null)return null;let i=this.#t?b(this.#t.value):null,r=null;if(this.#s){let o=this.#s.asReferenced.get();if(o===x)throw x;r=o instanceof S?null:o}return Object.freeze({id:s.id,type:s.type,sender:i,custom:s.custom,createdAt:s.createdAt,editedAt:s.editedAt,referencedMessage:r,origin:s.origin,plaintext:yn(s.content),content:s.content,reactions:wn(s.reactions)})}),this.asReferenced=new k(()=>{let s=b(this.wire);if(s===null||s.type!=="UserMessage"||!this.#t)return null;let i=b(this.#t.value);return i===null?null:Object.freeze({id:s.id,type:"UserMessage",sender:i,custom:s.custom,createdAt:s.createdAt,editedAt:s.editedAt,referencedMessageId:s.referencedMessageId,origin:s.origin,plaintext:yn(s.content),content:s.content,reactions:wn(s.reactions)})})}conv;id;#e=0;wire=new A(x);#t;#s;#n=!1;snapshot;asReferenced;acquire(){this.#e++}release(){--this.#e>0||(this.snapshot.dispose(),this.asReferenced.dispose(),this.#t?.release(),this.#t=void 0,this.#s?.release(),this.#s=void 0,this.conv.messages.get(this.id)===this&&this.conv.messages.delete(this.id),this.conv.store.maybeForget(this.conv))}get value(){return this.wire.peek()}set(e){if(e!==null){let t=Object.freeze({...e,custom:Object.freeze({...e.custom??{}}),content:Object.freeze(e.content??[]),reactions:e.reactions??{}});!this.#t&&t.senderId!==null&&t.senderId!==void 0&&(this.#t=this.conv.store.users.acquire(t.senderId)),!this.#s&&t.referencedMessageId&&(this.#s=this.conv.acquireMessage(t.referencedMessageId)),this.wire.set(t)}else this.wire.set(null)}edited(e){let t=this.wire.peek();t!==null&&!w(t)&&this.set(tr(t,e))}ensureLoaded(){this.wire.peek()===x&&!this.#n&&this.#r()}resync(){this.#i&&this.#r()}#i=!1;#r(){this.#n=!0,this.#i=!0,this.conv.store.conn.fetch("GET",this.conv.path("messages",this.id),{},"Get message",e=>{this.#n=!1,this.#e>0&&this.set(e)},e=>{this.#n=!1,this.#e>0&&(L(e)?this.set(null):this.wire.set(new S(e)))})}},ct=class extends D{constructor(t){super();this.conv=t;this.snapshot=new k(()=>{if(b(this.status)===null)return null;if(!this.#e.get())throw x;let s=b(this.#t);return s.includes(null)?s.filter(i=>i!==null):s}),this.lastMessage=new k(()=>{if(b(this.status)===null)return null;let s=this.#s.get();return s?b(s.snapshot):null})}conv;noun="messages";#e=new A(!0);#t=new Q;#s=new A(void 0);#n=[];#i=!0;#r=0;snapshot;lastMessage;get conn(){return this.conv.store.conn}path(){return this.conv.path("messages")}firstLimit(){return this.#r>0?Ce:vs}moreLimit(t){return Z(t,Ce,vn)}attachList(){this.#r++,this.#r===1&&this.live&&(this.#e.set(!1),this.run(()=>this.#o()).finally(()=>this.#e.set(!0)))}async#o(){this.#r===0||this.status.peek()!==!0||(!this.#i||!this.loadedAll.peek()&&this.#n.length<Ce)&&await this.fetchFirst(Ce)}detachList(){this.#r>0&&this.#r--}clear(){this.#l([]),this.#i=!0}dispose(){this.snapshot.dispose(),this.lastMessage.dispose(),this.#t.dispose(),this.conv.window===this&&(this.conv.window=void 0),this.conv.store.maybeForget(this.conv)}async beforeMore(t){return this.#i?!1:(await this.fetchFirst(Math.min(vn,this.#n.length+t)),!0)}takeFirst(t){let s=t.data.map(l=>this.conv.acquireMessage(l.id,l)),i=t.data[t.data.length-1],r=s,o=t.cursor;if(t.cursor!==null&&i&&this.#i&&this.#n.length>0&&this.status.peek()===!0){let l=this.#n.filter(c=>{let p=c.value;return!w(p)&&p!==null&&p.createdAt<i.createdAt});l.length>0&&(r=[...s,...l],o=this.cursor)}let a=new Set(r);for(let l of this.#n){let c=l.value,p=t.cursor===null||i!==void 0&&c!==null&&!w(c)&&c.createdAt>=i.createdAt;!a.has(l)&&!w(c)&&c!==null&&p&&l.set(null)}this.cursor=o,this.#i=!0,this.#l(r);for(let l of s)l.release();this.loadedAll.set(o===null)}takeMore(t){let s=t.data.filter(i=>!this.#a(i.id)).map(i=>this.conv.acquireMessage(i.id,i));this.cursor=t.cursor,this.#l([...this.#n,...s]);for(let i of s)i.release();this.loadedAll.set(t.cursor===null)}#a(t){let s=this.conv.messages.get(t);return s!==void 0&&this.#n.includes(s)}#l(t){let s=this.#n,i=new Set(s),r=new Set(t);for(let o of t)i.has(o)||o.acquire();this.#n=t,this.#t.setItems(t.map(o=>o.snapshot)),this.#s.set(t[0]);for(let o of s)r.has(o)||o.release()}#c(t,s){s.acquire();let i=this.#n.slice();i.splice(t,0,s),this.#n=i,this.#t.insert(t,s.snapshot),this.#s.set(i[0])}#d(t){let s=this.#n[t];if(!s)return;let i=this.#n.slice();i.splice(t,1),this.#n=i,this.#t.removeAt(t),this.#s.set(i[0]),s.release()}created(t){if(this.status.peek()!==!0)return;if(this.#a(t.id)){this.conv.messages.get(t.id)?.set(t);return}let s=this.#n[this.#n.length-1]?.value;if(!this.loadedAll.peek()&&s&&!w(s)&&t.createdAt<s.createdAt)return;let i=this.conv.acquireMessage(t.id,t),r=0;for(;r<this.#n.length;){let o=this.#n[r].value;if(w(o)||o===null||t.createdAt>=o.createdAt)break;r++}this.#c(r,i),i.release(),this.#r===0&&this.#n.length>vs&&this.#u()}#u(){this.#l(this.#n.slice(0,vs)),this.#i=!1,this.loadedAll.set(!1)}deleted(t,s){if(this.status.peek()!==!0)return;let i=this.conv.messages.get(t),r=i?this.#n.indexOf(i):-1;if(r>=0&&this.#d(r),this.#n.length===0&&s){let o=this.conv.acquireMessage(s.id,s);this.#c(0,o),o.release()}}cleared(){this.status.peek()===!0&&(this.#l([]),this.cursor=null,this.#i=!0,this.loadedAll.set(!0))}};var dt=30,ht=class extends D{constructor(t,s,i){super();this.conv=t;this.messageId=s;this.emoji=i;let r=new Map;this.snapshot=new k(()=>{if(b(this.status)===null)return null;let o=[];for(let a of this.#e.get()){let l=b(a.user.value);if(l===null)continue;let c=`${a.userId}
${a.createdAt}`,p=r.get(c);p?.user!==l&&(p=Object.freeze({user:l,createdAt:a.createdAt}),r.set(c,p)),o.push(p)}return o},(o,a)=>o===a||Array.isArray(o)&&Array.isArray(a)&&mn(o,a))}conv;messageId;emoji;noun="reactions";#e=new A([]);snapshot;get conn(){return this.conv.store.conn}path(){return this.conv.path("messages",this.messageId,"reactions",this.emoji)}firstLimit(){return Math.max(dt,this.#e.peek().length)}moreLimit(t){return Z(t,dt,Number.MAX_SAFE_INTEGER)}clear(){this.#s([])}dispose(){this.snapshot.dispose();let t=`${this.messageId}
${this.emoji}`;this.conv.reactions.get(t)===this&&this.conv.reactions.delete(t),this.conv.store.maybeForget(this.conv)}#t(t){return{userId:t.userId,createdAt:t.createdAt,user:this.conv.store.users.acquire(t.userId)}}#s(t){let s=new Set(t);for(let i of this.#e.peek())s.has(i)||i.user.release();this.#e.set(t)}takeFirst(t){this.cursor=t.cursor,this.#s(t.data.map(s=>this.#t(s))),this.loadedAll.set(t.cursor===null)}takeMore(t){let s=new Set(this.#e.peek().map(r=>r.userId)),i=t.data.filter(r=>!s.has(r.userId)).map(r=>this.#t(r));this.cursor=t.cursor,this.#s([...this.#e.peek(),...i]),this.loadedAll.set(t.cursor===null)}added(t,s){if(this.status.peek()!==!0)return;let i=this.#e.peek();if(i.some(c=>c.userId===t))return;let r=i[i.length-1];if(!this.loadedAll.peek()&&r&&s>r.createdAt)return;let o=this.#t({userId:t,createdAt:s}),a=i.length;for(;a>0&&i[a-1].createdAt>s;)a--;let l=i.slice();l.splice(a,0,o),this.#s(l)}removed(t){if(this.status.peek()!==!0)return;let s=this.#e.peek(),i=s.filter(r=>r.userId!==t);i.length!==s.length&&this.#s(i)}};var nr=Object.freeze({type:"pending"}),ir=Object.freeze({type:"unsubscribed"}),ut=class{state=nr;connected;terminated;#e;#t;#s;#n;constructor(e){this.#n=e,this.connected=new Promise((t,s)=>{this.#e=t,this.#t=s}),this.connected.catch(()=>{}),this.terminated=new Promise(t=>{this.#s=t})}get isLive(){return this.state.type==="pending"||this.state.type==="active"}activate(e){if(!this.isLive)return;let t=this.state.type==="pending";this.state=e,t&&this.#e(e)}fail(e){if(!this.isLive)return;let t=Object.freeze({type:"error",error:e});this.#i(t,e)}unsubscribe(){this.isLive&&this.#i(ir,new Error("The subscription was unsubscribed before it connected"))}#i(e,t){let s=this.state.type==="pending";this.state=e,s&&this.#t(t),this.#s(e),this.#n()}};function bs(n){setTimeout(()=>{throw n})}var F=class{#e;#t;#s;constructor(e,t,s){this.#t=e,this.#e=new ut(()=>{this.#s?.dispose(),this.#s=void 0,e.release()}),queueMicrotask(()=>{if(!this.#e.isLive)return;let i=!0,r,o=!1;this.#s=new Ne(()=>{let a=e.value.get(),l=e.loadedAll?.get()??!1;if(a!==x){if(a instanceof S){this.#e.fail(a.error);return}if(!(!i&&a===r&&l===o)&&(i=!1,r=a,o=l,this.#e.activate(t(a,l)),s))try{s(a,l)}catch(c){bs(c)}}})})}get state(){return this.#e.state}get connected(){return this.#e.connected}get terminated(){return this.#e.terminated}unsubscribe(){this.#e.unsubscribe()}fail(e){this.#e.fail(e)}async loadMore(e){!this.#e.isLive||!this.#t.loadMore||await this.#t.loadMore(e)}};function q(n){return new Promise((e,t)=>{let s=!1,i,r=()=>{s=!0,queueMicrotask(()=>{i?.dispose(),n.release()})};i=new Ne(()=>{if(s)return;let o=n.value.get();o!==x&&(r(),o instanceof S?t(o.error):e(o))})})}function rr(n){return n.includes("localhost")||n.includes("localtest.me")||/^\d{1,3}(\.\d{1,3}){3}(:\d+)?$/.test(n)}function xn(n){let e=/^(https?):\/\/([^/]+)\/?$/i.exec(n),t=e?e[2]:n,s=e?e[1]?.toLowerCase()==="https":!rr(t),i=s?"wss":"ws",r=s?"https":"http";return{realtime:`${i}://${t}/public_api/v1`,internal:`${r}://${t}/api/v0`,rest:`${r}://${t}/public_api/v1`}}function $(...n){return`/${n.map(encodeURIComponent).join("/")}`}function pt(n){if(n.status!==409)throw n}function Ss(n){if(n.status!==404)throw n}function Sn(n){let e={...n};for(let t of["email","phone"]){let s=e[t];typeof s=="string"&&(e[t]=[s])}return"role"in e&&e.role===null&&(e.role="default"),e}var We=class{id;#e;constructor(e,t){this.#e=e,this.id=N("The user ID",t)}get(){let e=this.#e.store.users.acquire(this.id);return q({value:e.value,release:()=>e.release()})}async set(e){await this.#e.request("PUT",$("users",this.id),Sn(e),"Set user")}async createIfNotExists(e){await this.#e.request("POST",$("users",this.id),Sn(e),"Create user").catch(pt)}subscribe(e){let t=this.#e.store.users.acquire(this.id);return this.#e.track(new F({value:t.value,release:()=>t.release()},s=>Object.freeze({type:"active",latestSnapshot:s}),e))}subscribeOnline(e){let t=this.#e.store.users.acquireOnline(this.id);return this.#e.track(new F({value:t.snapshot,release:()=>t.release()},s=>Object.freeze({type:"active",latestSnapshot:s}),e))}},ft=class{id;#e;#t=new Map;#s=new Map;constructor(e,t){this.#e=e,this.id=N("The conversation ID",t)}#n(){return this.#e.store.conv(this.id)}participant(e){let t=typeof e=="string"?e:e instanceof We?e.id:void 0;N("The participant's user ID",t);let s=this.#t.get(t);return s||(s=new xs(this.#e,this.id,t),this.#t.set(t,s)),s}message(e){let t=this.#s.get(e);return t||(t=new ys(this.#e,this.id,e),this.#s.set(e,t)),t}get(){let e=this.#n().acquireSideResource();return q({value:e.snapshot,release:()=>e.release()})}async set(e){let t=Object.keys(e).some(l=>l!=="access"&&l!=="notify"),s="access"in e||"notify"in e,i=this.#e.request("PUT",$("conversations",this.id),e,"Set conversation"),r=this.#e.participantAction(this.id,this.#e.me,"PUT",e,"Set conversation"),[o,a]=await Promise.allSettled([i,r]);if(o.status==="rejected"&&!(kn(o.reason,"UNAUTHORIZED_TO_EDIT")&&!t))throw o.reason;if(a.status==="rejected"&&!(kn(a.reason,"UNAUTHORIZED_TO_EDIT_PARTICIPANT")&&!s))throw a.reason}async createIfNotExists(e={}){let t=this.#e.request("POST",$("conversations",this.id),e,"Create conversation").catch(pt),s=this.#e.participantAction(this.id,this.#e.me,"POST",e,"Create conversation").catch(pt),[i,r]=await Promise.allSettled([t,s]);if(i.status==="rejected")throw i.reason;if(r.status==="rejected")throw r.reason}async markAsRead(){await this.#e.request("POST",`${this.#n().path("read")}`,{},"Mark conversation as read")}async markAsUnread(){await this.#e.request("POST",`${this.#n().path("unread")}`,{},"Mark conversation as unread")}async markAsTyping(){await this.#e.request("POST",this.#n().path("typing"),{},"Mark as typing")}async send(e){let t=typeof e=="string"?{text:e}:e,i={content:("text"in t&&typeof t.text=="string"?[{type:"text",children:we(t.text,{linksAndActions:!1})}]:t.content).map(Cn),idempotencyKey:fn()},r=t.referencedMessage??t.referencedMessageId;r!=null&&(i.referencedMessageId=typeof r=="string"?r:r.id),t.custom!==void 0&&(i.custom=t.custom);let o=await this.#e.request("POST",$("conversations",this.id,"messages"),i,"Send message");return this.message(o.id)}subscribe(e){let t=this.#n().acquireSideResource();return this.#e.track(new F({value:t.snapshot,release:()=>t.release()},s=>Object.freeze({type:"active",latestSnapshot:s}),e))}subscribeMessages(e){let t=this.#n().acquireWindow(!0);return this.#e.track(new F({value:t.snapshot,loadedAll:t.loadedAll,release:()=>{t.detachList(),t.release()},loadMore:(s=Ce)=>t.loadMore(s)},(s,i)=>Object.freeze({type:"active",latestSnapshot:s,loadedAll:i}),e))}subscribeParticipants(e){let t=this.#n().acquireParticipantWindow();return this.#e.track(new F({value:t.snapshot,loadedAll:t.loadedAll,release:()=>t.release(),loadMore:s=>t.loadMore(s)},(s,i)=>Object.freeze({type:"active",latestSnapshot:s,loadedAll:i}),e))}subscribeTyping(e){let t=this.#n().acquireTyping();return this.#e.track(new F({value:t.snapshot,release:()=>t.release()},s=>Object.freeze({type:"active",latestSnapshot:s}),e))}};function kn(n,e){return n.status===403&&n.errorCode===e}function Cn(n){return n&&n.type==="file"?{type:"file",fileToken:n.fileToken}:n}var ys=class{id;conversationId;#e;constructor(e,t,s){this.#e=e,this.conversationId=t,this.id=N("The message ID",s)}reactions(e){return new ws(this.#e,this.conversationId,this.id,e)}reaction(e){return this.reactions(e)}get(){let e=this.#e.store.conv(this.conversationId).acquireMessage(this.id);return q({value:e.snapshot,release:()=>e.release()})}async edit(e){let t=typeof e=="string"?{text:e}:e,s={};"text"in t&&typeof t.text=="string"?s.content=[{type:"text",children:we(t.text,{linksAndActions:!0})}]:"content"in t&&t.content!==void 0&&(s.content=t.content.map(Cn)),t.custom!==void 0&&(s.custom=t.custom),await this.#e.request("PATCH",$("conversations",this.conversationId,"messages",this.id),s,"Edit message")}async delete(){await this.#e.request("DELETE",$("conversations",this.conversationId,"messages",this.id),{},"Delete message").catch(Ss)}async translate(e){let s=(await this.#e.request("GET",$("me","conversations",this.conversationId,"translate"),{ids:[this.id],lang:e},`Translate message ${this.id}`))?.data?.[this.id];if(!s)throw new T(`Translate message ${this.id}`,404,{errorCode:"MESSAGE_NOT_FOUND",reasons:[`No message ${this.id} in the conversation ${this.conversationId}`]});let i=s.content??[{type:"text",children:we(s.markup??"",{linksAndActions:!0})}];return{content:i,plaintext:je(i)}}},ws=class{emoji;messageId;conversationId;#e;constructor(e,t,s,i){this.#e=e,this.conversationId=t,this.messageId=s,this.emoji=N("The emoji",i)}#t(){return $("conversations",this.conversationId,"messages",this.messageId,"reactions",this.emoji,this.#e.me)}async add(){await this.#e.request("PUT",this.#t(),{},"Add reaction")}async remove(){await this.#e.request("DELETE",this.#t(),{},"Remove reaction").catch(Ss)}async getFirstReactions(){let e=this.#e.store.conv(this.conversationId).acquireReactions(this.messageId,this.emoji),t=await q({value:e.snapshot,release:()=>e.release()});return t===null?null:t.slice(0,10)}subscribe(e){let t=this.#e.store.conv(this.conversationId).acquireReactions(this.messageId,this.emoji);return this.#e.track(new F({value:t.snapshot,loadedAll:t.loadedAll,release:()=>t.release(),loadMore:(s=dt)=>t.loadMore(s)},(s,i)=>Object.freeze({type:"active",latestSnapshot:s,loadedAll:i}),e))}},xs=class{userId;conversationId;#e;constructor(e,t,s){this.#e=e,this.conversationId=t,this.userId=s}async get(){let e=this.#e.store.conv(this.conversationId).acquireSingleParticipant(this.userId),t=new k(()=>{if(b(e.outcome)==="notParticipant"&&this.userId!==this.#e.me)throw e.notParticipantFailure();return b(e.snapshot)});return q({value:t,release:()=>{t.dispose(),e.release()}})}async set(e){await this.#e.participantAction(this.conversationId,this.userId,"PUT",e,"Set participant")}async edit(e){await this.#e.participantAction(this.conversationId,this.userId,"PATCH",e,"Edit participant")}async createIfNotExists(e={}){await this.#e.participantAction(this.conversationId,this.userId,"POST",e,"Create participant").catch(pt)}async delete(){await this.#e.request("DELETE",$("conversations",this.conversationId,"participants",this.userId),{},"Delete participant").catch(Ss)}subscribe(e){let t=this.#e.store.conv(this.conversationId).acquireSingleParticipant(this.userId);return this.#e.track(new F({value:t.snapshot,release:()=>t.release()},s=>Object.freeze({type:"active",latestSnapshot:s}),e))}};var ee=class extends Error{constructor(e){super(e),this.name="FatalError"}},gt=[250,500,1e3,2e3,5e3],mt=class{#e;#t;#s=[];#n;constructor(e){this.#n=e,this.#e=e.token,this.#t=e.token!==void 0||e.tokenFetcher!==void 0}set(e){this.#t=!0,this.#e=e;let t=this.#s;this.#s=[];for(let s of t)s(e)}async get(e){if(!e&&this.#e!==void 0)return this.#e;let t=this.#n.onNeedToken();if(t){let s=new Promise(i=>this.#s.push(i));return t(),s}if(this.#n.tokenFetcher){let s=await this.#n.tokenFetcher();return this.#e=s,s}if(this.#t)throw new ee("Cannot refresh token, no `onNeedToken` provided");return this.#e=await this.#i(),this.#e}get refreshable(){return this.#n.onNeedToken()!==void 0||this.#n.tokenFetcher!==void 0||!this.#t}async#i(){let e=`${this.#n.bokenUrl}?signature=${encodeURIComponent(this.#n.signature??"")}`;for(let t=0;;t++){let s;try{s=await this.#n.fetch(e,{headers:{"Content-Type":"application/json"}})}catch{await vt(gt[Math.min(t,gt.length-1)]??5e3);continue}let i=await s.json().catch(()=>null);if(s.ok&&typeof i?.boken=="string")return i.boken;if(s.status===429||s.status>=500){await vt(gt[Math.min(t,gt.length-1)]??5e3);continue}let r=new T("Authenticate",s.status,i).message;throw new ee(s.status===401?`Could not authenticate: check that you provided a valid signature (${r})`:`Could not authenticate: check that the app ID is correct (${r})`)}}};function vt(n){return new Promise(e=>setTimeout(e,n))}var or=25e3,ar=1e4,lr=5e3,cr=3e3,dr=250,hr=15e3,An=200,$n=3e4,ur=10,pr=120,bt=1e3;function De(n){return n.unref?.(),n}function fr(n){return n*(.5+Math.random()/2)}var yt=class{#e;#t;#s=!1;#n=!1;#i=0;#r=new Map;#o=[];#a=new Map;#l=new Set;#c=!1;#d=0;#u=0;#p=0;#h=0;#m;#g;#b;#f;#v;constructor(e){this.#e=e}request(e,t,s,i){return this.#n?Promise.reject(new Error(`${i} failed: the session was destroyed`)):new Promise((r,o)=>{this.#o.push({method:e,path:t,data:s,operation:i,resolve:r,reject:o,attempts:0}),this.#x()})}fetch(e,t,s,i,r,o){if(this.#n){o(new Error(`${i} failed: the session was destroyed`));return}this.#o.push({method:e,path:t,data:s,operation:i,resolve:r,reject:o,attempts:0}),this.#x()}subscribe(e){let t=this.#a.get(e)??0;if(this.#a.set(e,t+1),!(t>0)){if(ks(e)){this.#l.size===0&&queueMicrotask(()=>this.#C()),this.#l.add(Cs(e));return}this.request("SUBSCRIBE",e,{},`Subscribe to ${e}`).catch(()=>{})}}unsubscribe(e){let t=this.#a.get(e);if(t!==void 0){if(t>1){this.#a.set(e,t-1);return}this.#a.delete(e),!(ks(e)&&this.#l.delete(Cs(e)))&&(this.#s&&this.request("UNSUBSCRIBE",e,{},`Unsubscribe from ${e}`).catch(()=>{}),this.#O())}}#C(){let e=[...this.#l];this.#l.clear();for(let t=0;t<e.length;t+=bt){let s=e.slice(t,t+bt);this.request("SUBSCRIBE","/users",{ids:s},"Subscribe to users").catch(()=>{})}}reauthenticate(){let e=this.#t;e&&this.#s&&this.#v?.socket!==e&&this.#w(e,!1)}get ready(){return this.#s}destroy(){if(this.#n)return;this.#n=!0;let e=new Error("The session was destroyed");for(let t of[...this.#r.values(),...this.#o])t.reject(e);this.#r.clear(),this.#o=[],this.#a.clear(),this.#W(),this.#y(1e3,"session destroyed")}#x(){this.#g&&(clearTimeout(this.#g),this.#g=void 0),this.#s?this.#P():!this.#t&&!this.#b&&this.#S()}#S(){if(this.#n)return;let e;try{e=new(un())(this.#e.url)}catch(t){this.#e.onFatal(t instanceof Error?t:new Error(String(t)));return}this.#t=e,this.#i=0,this.#s=!1,e.onopen=()=>{this.#t===e&&(this.#p=Date.now(),this.#u=Date.now(),this.#m=setInterval(()=>this.#I(e),1e3),De(this.#m),this.#w(e,!1))},e.onmessage=t=>{this.#t===e&&this.#j(String(t.data))},e.onerror=()=>{},e.onclose=()=>{this.#t===e&&this.#k()}}#A(e){this.#u=Date.now(),this.#t?.send(JSON.stringify(e))}#y(e,t){let s=this.#t;if(this.#t=void 0,this.#s=!1,this.#m&&clearInterval(this.#m),this.#m=void 0,this.#f&&clearTimeout(this.#f),this.#f=void 0,s){s.onclose=null,s.onmessage=null;try{s.close(e,t)}catch{}}}#k(){this.#y(1e3,""),this.#$(),!this.#n&&(this.#o.length>0||this.#a.size>0)&&this.#T()}#$(){let e=[...this.#r.values()].filter(t=>t.method!=="GET"||t.path!=="/ping");this.#r.clear(),this.#o.unshift(...e)}#T(){if(this.#b||this.#n)return;let e=fr(Math.min(hr,dr*2**this.#d));this.#d++,this.#b=De(setTimeout(()=>{this.#b=void 0,this.#t||this.#S()},e))}#I(e){if(this.#t!==e)return;let t=Date.now();if(this.#h&&t>this.#h){this.#h=0,this.#k();return}let s=t-this.#p>=ar;(s&&!this.#h||t-this.#u>=or)&&(s&&(this.#h=t+lr),this.#E({method:"GET",path:"/ping",data:{},operation:"Ping",resolve:()=>{},reject:()=>{},attempts:0}))}#w(e,t){if(this.#v?.socket===e)return this.#v.done;let i=(async()=>{let r=t;for(let o=0;this.#t===e&&!this.#n;o++){let a;try{a=await this.#e.tokens.get(r)}catch(c){this.#e.onFatal(c instanceof Error?c:new Error(String(c)));return}if(this.#t!==e)return;let l=await this.#R(a);if(this.#t!==e)return;if(l.status===200){let c=l.data?.expiresInSeconds??null;if(c!==null&&c<pr){r=!0;continue}this.#_(e,c);return}if(l.status===401){r=!0,o>0&&await vt(Math.min($n,An*1.2**o));continue}if(l.status===400||l.status===402){let c=new T("Authenticate",l.status,l.data).message;this.#e.onFatal(new ee(`Could not authenticate the session: ${c}`));return}this.#k();return}})().finally(()=>{this.#v?.done===i&&(this.#v=void 0)});return this.#v={socket:e,done:i},i}#R(e){return new Promise(t=>{this.#E({method:"POST",path:"/session/renew",data:{token:e},operation:"Authenticate",resolve:s=>t({status:200,data:s}),reject:s=>t({status:s.status??0,data:gr(s)}),attempts:0},!0)})}#_(e,t){if(this.#s){this.#M(e,t);return}let s=this.#c;this.#s=!0,this.#c=!0,this.#d=0,this.#M(e,t),this.#U(),s&&this.#e.onResync(),this.#P(),this.#O()}#M(e,t){if(this.#f&&clearTimeout(this.#f),this.#f=void 0,t===null||!this.#e.tokens.refreshable)return;let s=t>600?t-300:t/2,i=Math.min(s,480*3600)*1e3;this.#f=De(setTimeout(()=>{this.#f=void 0,this.#t===e&&this.#s&&this.#w(e,!0)},i))}#U(){let e=[],t=[],s={resolve:()=>{},reject:()=>{},attempts:0};this.#l.clear();for(let i of this.#a.keys())ks(i)?e.push(Cs(i)):t.push({method:"SUBSCRIBE",path:i,data:{},operation:`Subscribe to ${i}`,...s});for(let i=0;i<e.length;i+=bt){let r=e.slice(i,i+bt);t.push({method:"SUBSCRIBE",path:"/users",data:{ids:r},operation:"Subscribe to users",...s})}this.#o=this.#o.filter(i=>i.method!=="SUBSCRIBE"&&i.method!=="UNSUBSCRIBE"),this.#o.unshift(...t)}#P(){for(;this.#s&&this.#o.length>0;){let e=this.#o.shift();e&&this.#E(e)}}#E(e,t=!1){if(!this.#t||!this.#s&&!t&&e.path!=="/ping"){this.#o.push(e);return}let s=this.#i++;this.#r.set(s,e),this.#A([s,e.method,e.path,e.data,{}])}#j(e){let t;try{t=JSON.parse(e)}catch{return}if(!Array.isArray(t))return;if(this.#p=Date.now(),this.#h=0,t[1]==="PUBLISH"){this.#A([t[0],"ACK"]),this.#F(t.slice(2));return}let[s,i,r]=t,o=this.#r.get(s);o&&(this.#r.delete(s),this.#N(o,i,r),this.#O())}#F(e){let t=[],s=!1;for(let i of e)i.type==="session.expired"?s=!0:i.type!=="upstream.restarting"&&t.push(i);t.length>0&&this.#e.onEvents(t),s&&this.#L()}#L(){let e=this.#t;e&&(this.#s=!1,this.#$(),this.#w(e,!0))}#N(e,t,s){if(t===200){e.resolve(s);return}if(e.path==="/session/renew"&&e.method==="POST"){e.reject(Object.assign(new T(e.operation,t,s),{data:s}));return}if(t===401){e.attempts++,this.#o.unshift(e);let o=this.#t;o&&this.#s&&(this.#s=!1,this.#$(),this.#w(o,!0));return}if(t===429||t===500&&e.attempts+1<ur){let o=Math.min($n,An*1.2**e.attempts);e.attempts++,De(setTimeout(()=>{this.#n||(this.#o.push(e),this.#x())},o));return}e.reject(new T(e.operation,t,s))}#O(){this.#g||!this.#t||this.#o.length>0||this.#r.size>0||this.#a.size>0||(this.#g=De(setTimeout(()=>{this.#g=void 0,this.#o.length===0&&this.#r.size===0&&this.#a.size===0&&this.#y(1e3,"idle")},cr)))}#W(){for(let e of[this.#g,this.#b,this.#f])e&&clearTimeout(e);this.#m&&clearInterval(this.#m),this.#g=void 0,this.#b=void 0,this.#f=void 0,this.#m=void 0}};function gr(n){return n.data??null}function ks(n){return n.startsWith("/users/")&&n.indexOf("/",7)===-1}function Cs(n){return decodeURIComponent(n.slice(7))}function wt(){return(n,e)=>globalThis.fetch(n,e)}async function En(n,e,t){let s=!1;for(let i=0;;i++){let r=await t(await n.get(s));if(r.kind==="ok")return r.value;if(r.kind==="network"){if(i===0)continue;throw new Error(`${e} failed: ${r.error.message}`)}if(i===0&&(r.status===401||r.status>=500)){s=r.status===401,r.discard();continue}throw new T(e,r.status,await r.body())}}function xt(n,e,t,s){return En(n,s,async i=>{let r;try{r=await wt()(e,{...t,headers:{...t.headers,Authorization:`Bearer ${i}`}})}catch(o){return{kind:"network",error:o}}return r.ok?{kind:"ok",value:r}:{kind:"status",status:r.status,body:()=>r.json().catch(()=>null),discard:()=>{r.body?.cancel().catch(()=>{})}}})}function Tn(n,e,t,s,i){return En(n,s,r=>new Promise(o=>{let a=new XMLHttpRequest;a.open("POST",e),a.setRequestHeader("Authorization",`Bearer ${r}`),a.upload.onprogress=l=>i(l.loaded,l.lengthComputable?l.total:0),a.onload=()=>{let l=null;try{l=JSON.parse(a.responseText)}catch{}a.status>=200&&a.status<300?o({kind:"ok",value:l}):o({kind:"status",status:a.status,body:async()=>l,discard:()=>{}})},a.onerror=()=>o({kind:"network",error:new Error("network error")}),a.send(t)}))}var mr=3,vr=10,br=50,St=class{constructor(e,t,s){this.core=e;this.kind=t;this.onResults=s}core;kind;onResults;#e=0;#t=[];#s;#n=!1;#i=!1;async setQuery(e,t){let s=++this.#e;this.#t=[],this.#s=void 0,this.#n=!0;let i=new URLSearchParams({searchString:encodeURIComponent(e),conversationFilter:JSON.stringify(t?.conversation??{}),limit:String(mr)});return this.#r(s,i)}async loadMore(e=vr){if(!this.#n||this.#i||this.#s===void 0)return this.state(this.#t.slice(),this.#s===void 0);let t=Math.max(1,Math.min(br,Math.floor(e)));return this.#r(this.#e,new URLSearchParams({cursor:this.#s,limit:String(t)}))}async#r(e,t){this.#i=!0,this.#o("searching");try{let i=`${this.core.endpoints.rest}/${encodeURIComponent(this.core.appId)}/me/${this.kind}/search?${t}`,r=await xt(this.core.tokens,i,{headers:{"Content-Type":"application/json"}},this.kind==="messages"?"Search messages":"Search conversations"),o,a=[];for await(let l of yr(r)){let c=wr(l);if(c==="end"){o=xr(l);break}c&&a.push(this.hydrate(c))}for(let l of a){let c=await l;if(e!==this.#e)break;c!==null&&(this.#t=[...this.#t,c],this.#o("searching"))}e===this.#e&&(this.#s=o)}finally{e===this.#e&&(this.#i=!1)}let s=this.#s===void 0;return e===this.#e&&this.#o(s?"loadedAll":"canLoadMore"),this.state(this.#t.slice(),s)}#o(e){if(this.onResults)try{this.onResults(this.#t.slice(),e)}catch(t){bs(t)}}},kt=class extends St{constructor(e,t){super(e,"messages",t)}async hydrate(e){let t=e.conversationId,{conversationId:s,...i}=e,[r,o]=await Promise.all([this.core.conversationSnapshot(t),this.core.messageSnapshot(t,i)]);return!r||!o?null:{conversation:r,message:o}}state(e,t){return{results:e,loadedAll:t}}},Ct=class extends St{constructor(e,t){super(e,"conversations",t)}hydrate(e){return this.core.conversationSnapshot(e.id)}state(e,t){return{results:e,loadedAll:t}}};async function*yr(n){let e=n.body;if(!e){yield*(await n.text()).split(`
`).slice(1);return}let t=e.getReader(),s=new TextDecoder,i="",r=!0;for(;;){let{done:o,value:a}=await t.read();i+=o?s.decode():s.decode(a,{stream:!0});let l=i.indexOf(`
`);for(;l>=0;){let c=i.slice(0,l);i=i.slice(l+1),r||(yield c),r=!1,l=i.indexOf(`
`)}if(o)break}!r&&i.length>0&&(yield i)}function wr(n){let e=n.trim();if(e.startsWith("]"))return"end";if(e!=="")return JSON.parse(e.startsWith(",")?e.slice(1):e)}function xr(n){let e=JSON.parse(`{"data":[${n.trim()}`);return typeof e.cursor=="string"?e.cursor:void 0}var Mn=10,Pn=50,At=class{constructor(e,t){this.conv=e;this.userId=t;this.snapshot=new k(()=>{let s=b(this.wire);if(s===null||!this.#t)return null;let i=b(this.#t.value);return i===null?null:Object.freeze({user:i,access:s.access,notify:s.notify,joinedAt:s.joinedAt})},Se)}conv;userId;#e=0;wire=new A(x);#t;snapshot;acquire(){this.#e++===0&&(this.#t=this.conv.store.users.acquire(this.userId))}release(){--this.#e>0||(this.snapshot.dispose(),this.#t?.release(),this.#t=void 0,this.conv.participants.get(this.userId)===this&&this.conv.participants.delete(this.userId),this.conv.store.maybeForget(this.conv))}get value(){return this.wire.peek()}set(e){this.wire.set(e===null?null:Object.freeze({id:e.id,access:e.access,notify:e.notify,joinedAt:e.joinedAt}))}edited(e){let t=this.wire.peek();t!==null&&!w(t)&&this.set(ke({...t,custom:{}},e))}};function Sr(n,e){return n.joinedAt>e.joinedAt||n.joinedAt===e.joinedAt&&n.id<e.id}var $t=class extends D{constructor(t){super();this.conv=t;this.snapshot=new k(()=>{if(b(this.status)===null)return null;let s=b(this.#e);return s.includes(null)?s.filter(i=>i!==null):s})}conv;noun="participants";#e=new Q;#t=[];snapshot;get conn(){return this.conv.store.conn}path(){return this.conv.path("participants")}firstLimit(){return Math.max(Mn,Math.min(Pn,this.#t.length))}moreLimit(t){return Z(t,Mn,Pn)}clear(){this.#s([])}dispose(){this.snapshot.dispose(),this.#e.dispose(),this.conv.participantWindow===this&&(this.conv.participantWindow=void 0),this.conv.store.maybeForget(this.conv)}takeFirst(t){let s=t.data.map(i=>this.conv.acquireParticipant(i.id,i));this.#s(s);for(let i of s)i.release();this.cursor=t.cursor,this.loadedAll.set(t.cursor===null)}takeMore(t){let s=new Set(this.#t.map(r=>r.userId)),i=t.data.filter(r=>!s.has(r.id)).map(r=>this.conv.acquireParticipant(r.id,r));this.#s([...this.#t,...i]);for(let r of i)r.release();this.cursor=t.cursor,this.loadedAll.set(t.cursor===null)}#s(t){let s=this.#t,i=new Set(s),r=new Set(t);for(let o of t)i.has(o)||o.acquire();this.#t=t,this.#e.setItems(t.map(o=>o.snapshot));for(let o of s)r.has(o)||o.release()}created(t,s){if(this.status.peek()!==!0||this.#t.some(a=>a.userId===t))return;let i=this.conv.acquireParticipant(t,s),r=0;for(;r<this.#t.length;){let a=this.#t[r].value;if(w(a)||a===null||Sr(s,a))break;r++}let o=this.#t.slice();o.splice(r,0,i),this.#s(o),i.release()}deleted(t){if(this.status.peek()!==!0)return;let s=this.#t.filter(i=>i.userId!==t);s.length!==this.#t.length&&this.#s(s)}},Et=class extends j{constructor(t,s){super();this.conv=t;this.userId=s;this.snapshot=new k(()=>b(this.outcome)==="notParticipant"||!this.#e?null:b(this.#e.snapshot))}conv;userId;outcome=new A(x);#e;snapshot;#t(){return this.conv.path("participants",this.userId)}start(){this.#e=this.conv.acquireParticipant(this.userId),this.conv.store.conn.subscribe(this.#t()),this.#s()}stop(){this.conv.store.conn.unsubscribe(this.#t()),this.outcome.set(x),this.snapshot.dispose(),this.#e?.release(),this.#e=void 0,this.conv.singleParticipants.get(this.userId)===this&&this.conv.singleParticipants.delete(this.userId),this.conv.store.maybeForget(this.conv)}resync(){this.#s()}#s(){let t=this.generation;this.conv.store.conn.fetch("GET",this.#t(),{},"Get participant",s=>{t===this.generation&&(this.#e?.set(s),this.outcome.set("found"))},s=>{if(t!==this.generation)return;let i=s.errorCode;s.status===404&&i==="PARTICIPANT_NOT_FOUND"&&this.userId!==this.conv.store.me?(this.#e?.set(null),this.outcome.set("found")):L(s)?(this.#e?.set(null),this.outcome.set("notParticipant")):this.outcome.set(new S(s))})}notParticipantFailure(){return new S(new T("Get participant",403,{errorCode:"NOT_A_PARTICIPANT",reasons:[`The current user is not a participant of the conversation ${this.conv.id}`]}))}joined(){this.live&&this.outcome.peek()==="notParticipant"&&this.#s()}left(){this.live&&(this.#e?.set(null),this.outcome.set("notParticipant"))}};var kr=Object.freeze({many:!0}),Tt=class extends j{constructor(t){super();this.conv=t;let s=[];this.snapshot=new k(()=>{let i=b(this.#e);if(i===null)return null;if(i.many)return kr;let r=[];for(let[o]of[...i.since].sort((a,l)=>a[1]-l[1])){let a=this.#t.get(o),l=a?b(a.value):null;l&&r.push(l)}return(r.length!==s.length||r.some((o,a)=>o!==s[a]))&&(s=r),Object.freeze({many:!1,users:Object.freeze(s)})},Cr)}conv;#e=new A(x);#t=new Map;snapshot;#s(){return this.conv.path("typing")}start(){this.conv.store.conn.subscribe(this.#s()),this.#n()}stop(){this.conv.store.conn.unsubscribe(this.#s()),this.#i(x),this.snapshot.dispose(),this.conv.typing===this&&(this.conv.typing=void 0),this.conv.store.maybeForget(this.conv)}resync(){this.#n()}#n(){let t=this.generation;this.conv.store.conn.fetch("GET",this.#s(),{},"Get typing",s=>{t===this.generation&&this.#i(As(s))},s=>{t===this.generation&&this.#i(L(s)?null:new S(s))})}#i(t){let s=t!==null&&!w(t)&&!t.many?t.since:new Map;for(let[i,r]of this.#t)s.has(i)||(r.release(),this.#t.delete(i));for(let i of s.keys())this.#t.has(i)||this.#t.set(i,this.conv.store.users.acquire(i));this.#e.set(t)}available(t){this.live&&this.#i(As(t))}changed(t){let s=this.#e.peek();if(s===null||w(s))return;if(t.many===!0){this.#i({many:!0});return}if(t.many===!1){this.#i(As(t));return}if(s.many)return;let i=new Map(s.since);for(let[r,o]of Object.entries(t.usersTyping??{}))o===null?i.delete(r):i.has(r)||i.set(r,o);this.#i({many:!1,since:i})}left(){this.live&&this.#i(null)}};function Cr(n,e){return n===e||n!==null&&e!==null&&!n.many&&!e.many&&n.users===e.users}function As(n){if(n.many===!0)return{many:!0};let e=new Map;for(let[t,s]of Object.entries(n.usersTyping??{}))typeof s=="number"&&e.set(t,s);return{many:!1,since:e}}function In(n){return Object.freeze({id:n.id,subject:n.subject??null,photoUrl:n.photoUrl??null,welcomeMessages:Object.freeze([...n.welcomeMessages??[]]),custom:Object.freeze({...n.custom??{}}),createdAt:n.createdAt,joinedAt:n.joinedAt,lastMessageAt:n.lastMessageAt,unreadMessageCount:n.unreadMessageCount,isUnread:n.isUnread,access:n.access,notify:n.notify,readUntil:n.readUntil,everyoneReadUntil:n.everyoneReadUntil})}var Mt=class{constructor(e,t){this.store=e;this.id=t}store;id;side=new A(x);#e=0;messages=new Map;participants=new Map;window;participantWindow;singleParticipants=new Map;typing;reactions=new Map;sideResource;#t;path(...e){return $("me","conversations",this.id,...e)}holdSide(){this.#e++}releaseSide(){--this.#e>0||(this.#e=0,this.side.set(x),this.store.maybeForget(this))}get sideHeld(){return this.#e>0}setSide(e){this.#e>0&&this.side.set(e===null?null:In(e))}acquireEntity(){return this.#t??=new $s(this),this.#t.acquire(),this.#t}entityGone(e){this.#t===e&&(this.#t=void 0),this.store.maybeForget(this)}acquireSideResource(){return this.sideResource??=new Es(this),this.sideResource.acquire(),this.sideResource}acquireWindow(e=!1){return this.window??=new ct(this),e&&this.window.attachList(),this.window.acquire(),this.window}acquireMessage(e,t){let s=this.messages.get(e);return s||(s=new lt(this,e),this.messages.set(e,s)),s.acquire(),t?s.set(t):s.ensureLoaded(),s}acquireParticipant(e,t){let s=this.participants.get(e);return s||(s=new At(this,e),this.participants.set(e,s)),s.acquire(),t!==void 0&&s.set(t),s}acquireParticipantWindow(){return this.participantWindow??=new $t(this),this.participantWindow.acquire(),this.participantWindow}acquireSingleParticipant(e){let t=this.singleParticipants.get(e);return t||(t=new Et(this,e),this.singleParticipants.set(e,t)),t.acquire(),t}acquireTyping(){return this.typing??=new Tt(this),this.typing.acquire(),this.typing}acquireReactions(e,t){let s=`${e}
${t}`,i=this.reactions.get(s);return i||(i=new ht(this,e,t),this.reactions.set(s,i)),i.acquire(),i}get empty(){return this.#e===0&&!this.#t&&!this.sideResource&&!this.window&&!this.participantWindow&&!this.typing&&this.messages.size===0&&this.participants.size===0&&this.singleParticipants.size===0&&this.reactions.size===0}apply(e){switch(e.type){case"side.created":this.setSide(e.state),this.window?.joined(),this.participantWindow?.joined();for(let t of this.singleParticipants.values())t.joined();for(let t of this.reactions.values())t.joined();break;case"side.edited":case"conversation.edited":this.#s(e.diff);break;case"side.deleted":this.setSide(null),this.window?.left(),this.participantWindow?.left();for(let t of this.singleParticipants.values())t.left();this.typing?.left();for(let t of this.reactions.values())t.left();break;case"participant.created":{let t=e.userId,s=e.state;this.participants.get(t)?.set(s),this.participantWindow?.created(t,s);break}case"participant.edited":{let t=e.userId,s=e.diff;this.participants.get(t)?.edited(s),t===this.store.me&&this.#s(s);break}case"participant.deleted":{let t=e.userId;this.participants.get(t)?.set(null),this.participantWindow?.deleted(t);break}case"message.created":this.window?.created(e.state);break;case"message.edited":this.messages.get(e.messageId)?.edited(e.diff);break;case"message.deleted":{let t=e.messageId;this.messages.get(t)?.set(null),this.window?.deleted(t,e.newLastMessage??null);for(let s of this.reactions.values())s.messageId===t&&s.left();break}case"conversation.cleared":for(let t of this.messages.values())t.set(null);this.window?.cleared();break;case"typing.available":this.typing?.available(e.state);break;case"typing.changed":this.typing?.changed(e.diff);break;case"reaction.added":case"reaction.removed":{let t=this.reactions.get(`${e.messageId}
${e.emoji}`);e.type==="reaction.added"?t?.added(e.userId,e.createdAt):t?.removed(e.userId);break}}}#s(e){let t=this.side.peek();t!==null&&!w(t)&&this.side.set(In(ke(t,e)))}dropAll(){this.sideResource?.drop(),this.window?.drop(),this.participantWindow?.drop();for(let e of[...this.singleParticipants.values()])e.drop();this.typing?.drop();for(let e of[...this.reactions.values()])e.drop()}resync(){this.sideResource?.resync(),this.window?.resync(),this.participantWindow?.resync();for(let e of this.singleParticipants.values())e.resync();this.typing?.resync();for(let e of this.reactions.values())e.resync();for(let e of this.messages.values())e.resync()}},$s=class{constructor(e){this.conv=e;this.snapshot=new k(()=>{let t=b(this.conv.side);if(t===null||!this.#t)return null;let s=b(this.#t.lastMessage);return Object.freeze({...t,lastMessage:s})},Se)}conv;#e=0;#t;snapshot;acquire(){this.#e++===0&&(this.#t=this.conv.acquireWindow())}release(){--this.#e>0||(this.snapshot.dispose(),this.#t?.release(),this.#t=void 0,this.conv.entityGone(this))}},Es=class extends j{constructor(t){super();this.conv=t}conv;#e;get snapshot(){if(!this.#e)throw new Error("SideResource.snapshot read while not acquired");return this.#e.snapshot}start(){this.conv.holdSide(),this.#e=this.conv.acquireEntity(),this.conv.store.conn.subscribe(this.conv.path()),this.#t()}stop(){this.conv.store.conn.unsubscribe(this.conv.path()),this.#e?.release(),this.#e=void 0,this.conv.sideResource===this&&(this.conv.sideResource=void 0),this.conv.releaseSide()}resync(){this.#t()}#t(){let t=this.generation;this.conv.store.conn.fetch("GET",this.conv.path(),{},"Get conversation",s=>{t===this.generation&&this.conv.setSide(s)},s=>{t===this.generation&&(L(s)?this.conv.setSide(null):this.conv.sideHeld&&this.conv.side.set(new S(s)))})}};function _n(n,e){return n==null?!0:Array.isArray(n)?(n[1]??[]).some(t=>Rn(t,e)):Rn(n,e)}function Un(n){return n==null||!Array.isArray(n)&&Object.keys(n).length===0}function Rn(n,e){return!(n.access!==void 0&&!Ms(n.access,e.access)||n.custom!==void 0&&!Ar(n.custom,e.custom)||n.isUnread!==void 0&&n.isUnread!==e.isUnread||n.hasMessages!==void 0&&n.hasMessages!==(e.lastMessageAt!==e.joinedAt)||n.subject!==void 0&&!Ms(n.subject,e.subject)||n.lastActivityAt!==void 0&&!Ts(n.lastActivityAt,e.lastMessageAt)||n.createdAt!==void 0&&!Ts(n.createdAt,e.createdAt)||n.joinedAt!==void 0&&!Ts(n.joinedAt,e.joinedAt))}function Ms(n,e){let t=e===void 0?void 0:e;switch(n[0]){case"==":return n[1]===t;case"!=":return n[1]!==t;case"oneOf":return n[1].some(s=>s===t);case"!oneOf":return!n[1].some(s=>s===t);default:return!1}}function Ar(n,e){for(let[t,s]of Object.entries(n)){let i=Object.hasOwn(e,t)?e[t]:void 0;if(s==="exists"){if(i===void 0)return!1}else if(s==="!exists"){if(i!==void 0)return!1}else if(!Ms(s,i))return!1}return!0}function Ts(n,e){switch(n[0]){case">":return e>n[1];case"<":return e<n[1];case">=":return e>n[1]-1;case"<=":return e<n[1]+1;case"between":return n[1][0]<=e&&e<n[1][1];case"!between":return!(n[1][0]<=e&&e<n[1][1]);default:return!1}}var Ps=20,On=30;function qe(n,e){return n.lastMessageAt>e.lastMessageAt||n.lastMessageAt===e.lastMessageAt&&n.id<e.id}function te(n){let e=n.conv.side.peek();return e===null||w(e)?void 0:e}var Pt=class extends D{constructor(t,s){super();this.store=t;this.filter=s;this.snapshot=new k(()=>{b(this.status);let i=b(this.#e);return i.includes(null)?i.filter(r=>r!==null):i})}store;filter;noun="conversations";#e=new Q;#t=[];#s=new Map;#n=Number.POSITIVE_INFINITY;snapshot;get conn(){return this.store.conn}path(){return"/me/conversations"}firstLimit(){return Math.max(Ps,Math.min(On,this.#t.length))}moreLimit(t){return Z(t,Ps,On)}firstPageData(t){return this.filter===void 0?{limit:t}:{limit:t,filter:this.filter}}failed(t){t.status===404?(this.takeFirst({data:[],cursor:null}),this.status.set(!0)):this.status.set(new S(t))}clear(){for(let t of this.#t)this.#r(t);this.#t=[],this.#s.clear(),this.#e.setItems([]),this.#n=Number.POSITIVE_INFINITY}dispose(){this.#e.dispose(),this.snapshot.dispose(),this.store.lists.delete(this)}takeFirst(t){let s=t.data.reduce((a,l)=>Math.min(a,l.lastMessageAt),Number.POSITIVE_INFINITY),i=new Set(t.data.map(a=>a.id)),r=t.cursor!==null&&this.status.peek()===!0,o=[];for(let a of t.data)o.push(this.#i(a));for(let a of this.#t){if(i.has(a.conv.id))continue;let l=te(a);r&&l&&l.lastMessageAt<s?o.push(a):this.#r(a)}this.#s.clear();for(let a of o)this.#s.set(a.conv.id,a);this.#t=o,this.#o(),(!r||this.#n===Number.POSITIVE_INFINITY)&&(this.cursor=t.cursor,this.#n=s),this.loadedAll.set(this.cursor===null)}takeMore(t){for(let s of t.data){if(this.#n=Math.min(this.#n,s.lastMessageAt),this.#s.has(s.id))continue;let i=this.#i(s);this.#s.set(s.id,i),this.#t.push(i)}this.cursor=t.cursor,this.#o(),this.loadedAll.set(t.cursor===null)}#i(t){let s=this.#s.get(t.id);if(s)return s.conv.setSide(t),s;let i=this.store.conv(t.id);return i.holdSide(),i.setSide(t),{conv:i,entity:i.acquireEntity()}}#r(t){t.entity.release(),t.conv.releaseSide()}#o(){this.#t.sort((t,s)=>{let i=te(t),r=te(s);return!i||!r?0:qe(i,r)?-1:qe(r,i)?1:0}),this.#e.setItems(this.#t.map(t=>t.entity.snapshot))}meCreated(){this.live&&this.run(()=>this.fetchFirst(Ps))}sideEvent(t){if(this.status.peek()!==!0)return;let s=t.conversationId,i=this.#s.get(s);if(t.type==="side.deleted"){i&&this.#u(i);return}if(t.type==="side.created"){this.#l(s,t.state);return}if(i){let l=te(i);l&&this.#l(s,l);return}let r=this.store.convs.get(s)?.side.peek();if(r&&!w(r)){this.#l(s,r);return}let o=t.diff??{};(typeof o.lastMessageAt=="number"&&(this.loadedAll.peek()||o.lastMessageAt>=this.#n)||!Un(this.filter))&&this.#a(s)}#a(t){let s=this.generation;this.store.conn.fetch("GET",this.store.path("me","conversations",t),{},"Get conversation",i=>{s===this.generation&&this.status.peek()===!0&&this.#l(t,i)},()=>{})}#l(t,s){let i=this.#s.get(t),r=s;if(!(_n(this.filter,r)&&(this.loadedAll.peek()||s.lastMessageAt>=this.#n))){i&&this.#u(i);return}if(i){i.conv.setSide(s),this.#d(i);return}let a=this.#i(s);this.#s.set(t,a);let l=this.#c(s);this.#t.splice(l,0,a),this.#e.insert(l,a.entity.snapshot)}#c(t){let s=0;for(;s<this.#t.length;){let i=te(this.#t[s]);if(!i||qe(t,i))break;s++}return s}#d(t){let s=te(t);if(!s)return;let i=this.#t.indexOf(t),r=i>0?te(this.#t[i-1]):void 0,o=this.#t[i+1],a=o?te(o):void 0;if((!r||qe(r,s))&&(!a||qe(s,a)))return;this.#t.splice(i,1),this.#e.removeAt(i);let l=this.#c(s);this.#t.splice(l,0,t),this.#e.insert(l,t.entity.snapshot)}#u(t){let s=this.#t.indexOf(t);s>=0&&(this.#t.splice(s,1),this.#e.removeAt(s)),this.#s.delete(t.conv.id),this.#r(t)}};var jn=1e3;function Is(n){return Object.freeze({id:n.id,name:n.name,custom:Object.freeze({...n.custom??{}}),locale:n.locale??null,photoUrl:n.photoUrl??null,role:n.role??"default",welcomeMessage:n.welcomeMessage??null})}var Rs=class extends j{constructor(t,s){super();this.store=t;this.id=s}store;id;value=new A(x);start(){this.store.conn.subscribe($("users",this.id)),this.store.users.fetch(this.id)}stop(){this.store.conn.unsubscribe($("users",this.id)),this.value.set(x),this.store.users.forget(this)}resync(){this.store.users.fetch(this.id)}created(t){this.value.peek()!==x&&this.value.set(Is(t))}edited(t){let s=this.value.peek();s!==null&&!w(s)&&this.value.set(Is(ke(s,t)))}},It=class{constructor(e){this.store=e}store;#e=new Map;#t=new Map;#s=new Set;acquire(e){let t=this.#e.get(e);return t||(t=new Rs(this.store,e),this.#e.set(e,t)),t.acquire(),t}acquireOnline(e){let t=this.#t.get(e);return t||(t=new _s(this.store,e),this.#t.set(e,t)),t.acquire(),t}forget(e){this.#e.get(e.id)===e&&this.#e.delete(e.id)}forgetOnline(e){this.#t.get(e.id)===e&&this.#t.delete(e.id)}fetch(e){this.#s.size===0&&queueMicrotask(()=>this.#n()),this.#s.add(e)}#n(){let e=[...this.#s];this.#s=new Set;for(let t=0;t<e.length;t+=jn){let s=e.slice(t,t+jn);this.store.conn.fetch("GET","/users",{ids:s,includePrivateFields:!1},"Get users",i=>{let r=i??{};for(let o of s){let a=this.#e.get(o),l=r[o];a?.live&&a.value.set(l?Is(l):null)}},i=>{for(let r of s){let o=this.#e.get(r);o?.live&&o.value.set(new S(i))}})}}userCreated(e,t){this.#e.get(e)?.created(t),this.#t.get(e)?.userCreated()}userEdited(e,t){this.#e.get(e)?.edited(t)}onlineChanged(e,t){this.#t.get(e)?.changed(t)}resync(){for(let e of this.#e.values())e.live&&e.resync();for(let e of this.#t.values())e.live&&e.resync()}dropAll(){for(let e of[...this.#t.values()])e.drop();for(let e of[...this.#e.values()])e.drop()}},_s=class extends j{constructor(t,s){super();this.store=t;this.id=s;this.snapshot=new k(()=>{let i=b(this.#e);if(i===null||!this.#t)return null;let r=b(this.#t.value);return r===null?null:Object.freeze({...i,user:r})},Se)}store;id;#e=new A(x);#t;snapshot;#s(){return`${$("users",this.id)}/online`}start(){this.#t=this.store.users.acquire(this.id),this.store.conn.subscribe(this.#s()),this.#n()}stop(){this.store.conn.unsubscribe(this.#s()),this.#e.set(x),this.snapshot.dispose(),this.#t?.release(),this.#t=void 0,this.store.users.forgetOnline(this)}resync(){this.#n()}#n(){let t=this.generation;this.store.conn.fetch("GET",this.#s(),{},"Get online status",s=>{t===this.generation&&this.#e.set(Object.freeze({isConnected:!!s?.isConnected}))},s=>{t===this.generation&&this.#e.set(L(s)?null:new S(s))})}userCreated(){this.live&&this.#n()}changed(t){this.#e.peek()!==x&&this.#e.set(Object.freeze({isConnected:!!t.isConnected}))}};var Rt=class{constructor(e,t){this.conn=e;this.me=t;this.users=new It(this)}conn;me;users;convs=new Map;lists=new Set;path(...e){return $(...e)}conv(e){let t=this.convs.get(e);return t||(t=new Mt(this,e),this.convs.set(e,t)),t}maybeForget(e){e.empty&&this.convs.get(e.id)===e&&this.convs.delete(e.id)}acquireList(e){let t=new Pt(this,e);return this.lists.add(t),t.acquire(),t}apply(e){ce(()=>{for(let t of e)this.#e(t)})}#e(e){switch(e.type){case"user.created":if(this.users.userCreated(e.userId,e.state),e.userId===this.me)for(let s of this.lists)s.meCreated();return;case"user.edited":this.users.userEdited(e.userId,e.diff);return;case"user.online.changed":this.users.onlineChanged(e.userId,e.diff);return}let t=e.conversationId;if(typeof t=="string")switch(this.convs.get(t)?.apply(e),e.type){case"side.created":case"side.edited":case"side.deleted":case"conversation.edited":for(let s of this.lists)s.sideEvent(e);break;case"participant.edited":if(e.userId===this.me)for(let s of this.lists)s.sideEvent(e);break}}dropAll(){for(let e of[...this.lists])e.drop();for(let e of[...this.convs.values()])e.dropAll();this.users.dropAll()}resync(){ce(()=>{this.users.resync();for(let e of this.convs.values())e.resync();for(let e of this.lists)e.resync()})}};var $r="localhost:8080",Fn=100,_t=new Map;function Be(n){N("appId",n.appId),N("userId",n.userId);let e=`${n.appId}
${n.userId}`,t=_t.get(e);if(t&&!n.forceCreateNew&&!t.destroyed)return n.token!==void 0&&t.setToken(n.token),t;let s=new Ut(n);return _t.set(e,s),s}var Ut=class{appId;currentUser;onNeedToken;#e;#t;#s;#n;#i;#r=new Map;#o=new Map;#a=new Set;#l=new Set;#c;#d=!1;#u=new Map;constructor(e){this.appId=e.appId;let t=e.userId;this.#i=xn(e.host??$r);let s=encodeURIComponent(this.appId);this.#n=new mt({token:e.token,tokenFetcher:e.tokenFetcher,signature:e.signature,bokenUrl:`${this.#i.internal}/${s}/bokens/${encodeURIComponent(t)}`,fetch:wt(),onNeedToken:()=>this.onNeedToken}),this.#t=new yt({url:`${this.#i.realtime}/${s}/realtime/${encodeURIComponent(t)}`,tokens:this.#n,onEvents:r=>this.#s.apply(r),onResync:()=>this.#s.resync(),onFatal:r=>this.#h(r)}),this.#s=new Rt(this.#t,t);let i=this;this.#e={appId:this.appId,me:t,store:this.#s,tokens:this.#n,endpoints:this.#i,request:(r,o,a,l)=>this.#g(r,o,a,l),participantAction:(r,o,a,l,c)=>this.#b(r,o,a,l,c),track(r){return i.#m(r),r},conversationSnapshot:r=>{let o=this.#s.conv(r).acquireSideResource();return q({value:o.snapshot,release:()=>o.release()})},messageSnapshot:(r,o)=>{let a=this.#s.conv(r).acquireMessage(o.id,o);return q({value:a.snapshot,release:()=>a.release()})}},this.currentUser=this.user(t),this.#C()}get destroyed(){return this.#d}setToken(e){this.#n.set(e),this.#t.reauthenticate()}onError(e){return this.#c?(e(this.#c),{unsubscribe:()=>{}}):(this.#l.add(e),{unsubscribe:()=>this.#l.delete(e)})}user(e){N("The user ID",e);let t=this.#r.get(e);return t||(t=new We(this.#e,e),this.#r.set(e,t)),t}conversation(e){N("The conversation ID",e);let t=this.#o.get(e);return t||(t=new ft(this.#e,e),this.#o.set(e,t)),t}subscribeConversations(e,t){let s=typeof e=="function"?{}:e??{},i=typeof e=="function"?e:t,r=this.#s.acquireList(s.filter);return this.#e.track(new F({value:r.snapshot,loadedAll:r.loadedAll,release:()=>r.release(),loadMore:o=>r.loadMore(o)},(o,a)=>Object.freeze({type:"active",latestSnapshot:o,loadedAll:a}),i))}searchMessages(e){return new kt(this.#e,e)}searchConversations(e){return new Ct(this.#e,e)}uploadFile(e,t,s){return this.#v(e,t,void 0,s)}uploadImage(e,t,s){return this.#v(e,t,"image",s)}uploadVideo(e,t,s){return this.#v(e,t,"video",s)}uploadAudio(e,t,s){return this.#v(e,t,"audio",s)}uploadVoice(e,t,s){return this.#v(e,t,"voice",s)}destroy(){if(!this.#d){this.#d=!0;for(let e of[...this.#a])e.unsubscribe();this.#p()}}terminate(e){this.#h(e)}#p(){this.#d=!0,this.#t.destroy(),this.#s.dropAll();let e=`${this.appId}
${this.#e.me}`;_t.get(e)===this&&_t.delete(e)}#h(e){if(this.#c||this.#d)return;this.#c=e;for(let s of[...this.#a])s.fail(e);this.#p();let t=[...this.#l];this.#l.clear();for(let s of t)try{s(e)}catch(i){setTimeout(()=>{throw i})}t.length===0&&console.error(`[Chinwag] The session failed: ${e.message}`)}#m(e){if(this.#c){e.fail(this.#c);return}if(this.#d){e.unsubscribe();return}this.#a.add(e),e.terminated.then(()=>this.#a.delete(e))}#g(e,t,s,i){return this.#c?Promise.reject(this.#c):this.#d?Promise.reject(new Error(`${i} failed: the session was destroyed`)):this.#t.request(e,t,s,i)}#b(e,t,s,i,r){return new Promise((o,a)=>{let l=this.#u.get(e);l||(l=[],this.#u.set(e,l),queueMicrotask(()=>this.#f(e))),l.push({id:t,method:s,params:i,operation:r,resolve:o,reject:a})})}#f(e){let t=this.#u.get(e)??[];this.#u.delete(e);for(let s=0;s<t.length;s+=Fn){let i=t.slice(s,s+Fn),r=i.map(o=>({id:o.id,method:o.method,params:o.params}));this.#g("POST",$("conversations",e,"participants"),{actions:r},i[0]?.operation??"").then(o=>{let a=o?.responses??[];i.forEach((l,c)=>{let p=a[c];p?.status===200?l.resolve():l.reject(new T(l.operation,p?.status??500,p))})}).catch(o=>{for(let a of i)a.reject(o instanceof T?new T(a.operation,o.status,o):o)})}}async#v(e,t,s,i){await this.#g("POST","/files/validate",{filename:t.filename,filesize:e.size},"Upload file");let r=new FormData;r.append("file",e,t.filename),s&&r.append("subtype",s);for(let l of["width","height","duration"]){let c=t[l];c!==void 0&&r.append(l,String(c))}let o=`${this.#i.rest}/${encodeURIComponent(this.appId)}/files`,a=i?.onProgress&&typeof XMLHttpRequest<"u"?await Tn(this.#n,o,r,"Upload file",i.onProgress):await(await xt(this.#n,o,{method:"POST",body:r},"Upload file")).json().catch(()=>null);if(typeof a?.fileToken!="string")throw new T("Upload file",200,{errorCode:"BAD_RESPONSE",reasons:["no fileToken"]});return a.fileToken}async#C(){try{let e=await wt()(`${this.#i.internal}/${encodeURIComponent(this.appId)}`,{headers:{"Content-Type":"application/json"}});await e.body?.cancel().catch(()=>{}),e.status===404&&this.#h(new ee(`The app ID ${this.appId} does not exist on this Chinwag server`))}catch{}}};function Ln(n,e){return n.length<=1?n.join(""):n.length===2?`${n[0]} ${e} ${n[1]}`:`${n.slice(0,-1).join(", ")} ${e} ${n[n.length-1]}`}var Nn={lang:"en",conversations:"Conversations",searchConversations:"Search conversations",noConversations:"No chats yet",noResults:"No conversations match",selectConversation:"Select a conversation",loading:"Loading…",loadingOlder:"Loading older messages…",messagePlaceholder:"Say something…",messageField:"Message",send:"Send",attachFile:"Attach a file",uploading:n=>n===null?"Uploading…":`Uploading… ${n}%`,uploadFailed:n=>`Upload failed: ${n}`,sendFailed:n=>`Not sent: ${n}`,readOnly:"You can read this conversation but not write in it.",back:"Back to the conversations",close:"Close",openChat:"Open chat",unread:n=>n===1?"1 unread message":`${n} unread messages`,online:"Online",offline:"Offline",today:"Today",yesterday:"Yesterday",edited:"edited",deletedConfirm:"Delete this message?",reply:"Reply",replyingTo:n=>`Replying to ${n}`,cancelReply:"Cancel reply",edit:"Edit",editing:"Editing message",cancelEdit:"Cancel editing",save:"Save",delete:"Delete",react:"Add a reaction",reactWith:n=>`React with ${n}`,reactionCount:(n,e,t)=>`${n} ${e}${t?", including you":""}`,messageActions:"Message actions",sent:"Sent",read:"Read",you:"You",system:"System message",location:"Location",download:(n,e)=>`Download ${n} (${e})`,voiceMessage:"Voice message",attachment:"Attachment",participants:n=>n===1?"1 participant":`${n} participants`,typing:n=>{if(!n)return"";if(n.many)return"Several people are typing";let e=n.users.map(t=>t.name);return e.length===0?"":`${Ln(e,"and")} ${e.length===1?"is":"are"} typing`},messages:"Messages",notFound:"This conversation does not exist, or you are not in it.",disconnected:"Reconnecting…"},Er={lang:"de",conversations:"Unterhaltungen",searchConversations:"Unterhaltungen durchsuchen",noConversations:"Noch keine Chats",noResults:"Keine passenden Unterhaltungen",selectConversation:"Wähle eine Unterhaltung",loading:"Wird geladen…",loadingOlder:"Ältere Nachrichten werden geladen…",messagePlaceholder:"Schreib etwas…",messageField:"Nachricht",send:"Senden",attachFile:"Datei anhängen",uploading:n=>n===null?"Wird hochgeladen…":`Wird hochgeladen… ${n} %`,uploadFailed:n=>`Hochladen fehlgeschlagen: ${n}`,sendFailed:n=>`Nicht gesendet: ${n}`,readOnly:"Du kannst diese Unterhaltung lesen, aber nicht schreiben.",back:"Zurück zu den Unterhaltungen",close:"Schließen",openChat:"Chat öffnen",unread:n=>n===1?"1 ungelesene Nachricht":`${n} ungelesene Nachrichten`,online:"Online",offline:"Offline",today:"Heute",yesterday:"Gestern",edited:"bearbeitet",deletedConfirm:"Diese Nachricht löschen?",reply:"Antworten",replyingTo:n=>`Antwort an ${n}`,cancelReply:"Antwort abbrechen",edit:"Bearbeiten",editing:"Nachricht bearbeiten",cancelEdit:"Bearbeiten abbrechen",save:"Speichern",delete:"Löschen",react:"Reaktion hinzufügen",reactWith:n=>`Mit ${n} reagieren`,reactionCount:(n,e,t)=>`${n} ${e}${t?", auch von dir":""}`,messageActions:"Aktionen zur Nachricht",sent:"Gesendet",read:"Gelesen",you:"Du",system:"Systemnachricht",location:"Standort",download:(n,e)=>`${n} herunterladen (${e})`,voiceMessage:"Sprachnachricht",attachment:"Anhang",participants:n=>n===1?"1 Teilnehmer":`${n} Teilnehmer`,typing:n=>{if(!n)return"";if(n.many)return"Mehrere Personen schreiben";let e=n.users.map(t=>t.name);return e.length===0?"":`${Ln(e,"und")} ${e.length===1?"schreibt":"schreiben"}`},messages:"Nachrichten",notFound:"Diese Unterhaltung gibt es nicht, oder du bist nicht dabei.",disconnected:"Verbindung wird wiederhergestellt…"},Tr={en:Nn,de:Er},Ot=class{#e;#t;#s;#n;constructor(e){let t="en";try{t=Intl.getCanonicalLocales(e||(typeof navigator<"u"?navigator.language:"en"))[0]??"en"}catch{}this.tag=t,this.strings=Tr[t.split("-")[0]?.toLowerCase()??"en"]??Nn,this.#e=new Intl.DateTimeFormat(t,{hour:"numeric",minute:"2-digit"}),this.#t=new Intl.DateTimeFormat(t,{weekday:"long",day:"numeric",month:"long"}),this.#s=new Intl.DateTimeFormat(t,{day:"numeric",month:"long",year:"numeric"}),this.#n=new Intl.NumberFormat(t,{maximumFractionDigits:1})}time(e){return this.#e.format(e)}day(e,t=Date.now()){let s=Ae(e),i=Ae(t);return s===i?this.strings.today:i-s===1?this.strings.yesterday:new Date(e).getFullYear()===new Date(t).getFullYear()?this.#t.format(e):this.#s.format(e)}stamp(e,t=Date.now()){return Ae(e)===Ae(t)?this.time(e):this.#s.format(e)}bytes(e){let t=["B","KB","MB","GB"],s=0,i=e;for(;i>=1024&&s<t.length-1;)i/=1024,s++;return`${this.#n.format(i)} ${t[s]}`}};function Ae(n){let e=new Date(n);return Math.round(new Date(e.getFullYear(),e.getMonth(),e.getDate()).getTime()/864e5)}var Wn={showChatHeader:!0,messageField:{enterSendsMessage:!0,placeholder:null,visible:!0,spellcheck:!0,autofocus:"smart"},presence:!0,theme:"light",dir:"auto"},de=class{constructor(e,t={}){this.beforeSend=null;this.session=e,this.locale=new Ot(t.locale);let s=t.options??{};this.options={...Wn,...s,messageField:{...Wn.messageField,...s.messageField??{}}}}get me(){return this.session.currentUser.id}};var jt=globalThis,Ft=jt.ShadowRoot&&(jt.ShadyCSS===void 0||jt.ShadyCSS.nativeShadow)&&"adoptedStyleSheets"in Document.prototype&&"replace"in CSSStyleSheet.prototype,Us=Symbol(),Dn=new WeakMap,He=class{constructor(e,t,s){if(this._$cssResult$=!0,s!==Us)throw Error("CSSResult is not constructable. Use `unsafeCSS` or `css` instead.");this.cssText=e,this.t=t}get styleSheet(){let e=this.o,t=this.t;if(Ft&&e===void 0){let s=t!==void 0&&t.length===1;s&&(e=Dn.get(t)),e===void 0&&((this.o=e=new CSSStyleSheet).replaceSync(this.cssText),s&&Dn.set(t,e))}return e}toString(){return this.cssText}},qn=n=>new He(typeof n=="string"?n:n+"",void 0,Us),E=(n,...e)=>{let t=n.length===1?n[0]:e.reduce((s,i,r)=>s+(o=>{if(o._$cssResult$===!0)return o.cssText;if(typeof o=="number")return o;throw Error("Value passed to 'css' function must be a 'css' function result: "+o+". Use 'unsafeCSS' to pass non-literal values, but take care to ensure page security.")})(i)+n[r+1],n[0]);return new He(t,n,Us)},Bn=(n,e)=>{if(Ft)n.adoptedStyleSheets=e.map(t=>t instanceof CSSStyleSheet?t:t.styleSheet);else for(let t of e){let s=document.createElement("style"),i=jt.litNonce;i!==void 0&&s.setAttribute("nonce",i),s.textContent=t.cssText,n.appendChild(s)}},Os=Ft?n=>n:n=>n instanceof CSSStyleSheet?(e=>{let t="";for(let s of e.cssRules)t+=s.cssText;return qn(t)})(n):n;var{is:Mr,defineProperty:Pr,getOwnPropertyDescriptor:Ir,getOwnPropertyNames:Rr,getOwnPropertySymbols:_r,getPrototypeOf:Ur}=Object,Lt=globalThis,Hn=Lt.trustedTypes,Or=Hn?Hn.emptyScript:"",jr=Lt.reactiveElementPolyfillSupport,ze=(n,e)=>n,js={toAttribute(n,e){switch(e){case Boolean:n=n?Or:null;break;case Object:case Array:n=n==null?n:JSON.stringify(n)}return n},fromAttribute(n,e){let t=n;switch(e){case Boolean:t=n!==null;break;case Number:t=n===null?null:Number(n);break;case Object:case Array:try{t=JSON.parse(n)}catch{t=null}}return t}},Vn=(n,e)=>!Mr(n,e),zn={attribute:!0,type:String,converter:js,reflect:!1,useDefault:!1,hasChanged:Vn};Symbol.metadata??=Symbol("metadata"),Lt.litPropertyMetadata??=new WeakMap;var B=class extends HTMLElement{static addInitializer(e){this._$Ei(),(this.l??=[]).push(e)}static get observedAttributes(){return this.finalize(),this._$Eh&&[...this._$Eh.keys()]}static createProperty(e,t=zn){if(t.state&&(t.attribute=!1),this._$Ei(),this.prototype.hasOwnProperty(e)&&((t=Object.create(t)).wrapped=!0),this.elementProperties.set(e,t),!t.noAccessor){let s=Symbol(),i=this.getPropertyDescriptor(e,s,t);i!==void 0&&Pr(this.prototype,e,i)}}static getPropertyDescriptor(e,t,s){let{get:i,set:r}=Ir(this.prototype,e)??{get(){return this[t]},set(o){this[t]=o}};return{get:i,set(o){let a=i?.call(this);r?.call(this,o),this.requestUpdate(e,a,s)},configurable:!0,enumerable:!0}}static getPropertyOptions(e){return this.elementProperties.get(e)??zn}static _$Ei(){if(this.hasOwnProperty(ze("elementProperties")))return;let e=Ur(this);e.finalize(),e.l!==void 0&&(this.l=[...e.l]),this.elementProperties=new Map(e.elementProperties)}static finalize(){if(this.hasOwnProperty(ze("finalized")))return;if(this.finalized=!0,this._$Ei(),this.hasOwnProperty(ze("properties"))){let t=this.properties,s=[...Rr(t),..._r(t)];for(let i of s)this.createProperty(i,t[i])}let e=this[Symbol.metadata];if(e!==null){let t=litPropertyMetadata.get(e);if(t!==void 0)for(let[s,i]of t)this.elementProperties.set(s,i)}this._$Eh=new Map;for(let[t,s]of this.elementProperties){let i=this._$Eu(t,s);i!==void 0&&this._$Eh.set(i,t)}this.elementStyles=this.finalizeStyles(this.styles)}static finalizeStyles(e){let t=[];if(Array.isArray(e)){let s=new Set(e.flat(1/0).reverse());for(let i of s)t.unshift(Os(i))}else e!==void 0&&t.push(Os(e));return t}static _$Eu(e,t){let s=t.attribute;return s===!1?void 0:typeof s=="string"?s:typeof e=="string"?e.toLowerCase():void 0}constructor(){super(),this._$Ep=void 0,this.isUpdatePending=!1,this.hasUpdated=!1,this._$Em=null,this._$Ev()}_$Ev(){this._$ES=new Promise(e=>this.enableUpdating=e),this._$AL=new Map,this._$E_(),this.requestUpdate(),this.constructor.l?.forEach(e=>e(this))}addController(e){(this._$EO??=new Set).add(e),this.renderRoot!==void 0&&this.isConnected&&e.hostConnected?.()}removeController(e){this._$EO?.delete(e)}_$E_(){let e=new Map,t=this.constructor.elementProperties;for(let s of t.keys())this.hasOwnProperty(s)&&(e.set(s,this[s]),delete this[s]);e.size>0&&(this._$Ep=e)}createRenderRoot(){let e=this.shadowRoot??this.attachShadow(this.constructor.shadowRootOptions);return Bn(e,this.constructor.elementStyles),e}connectedCallback(){this.renderRoot??=this.createRenderRoot(),this.enableUpdating(!0),this._$EO?.forEach(e=>e.hostConnected?.())}enableUpdating(e){}disconnectedCallback(){this._$EO?.forEach(e=>e.hostDisconnected?.())}attributeChangedCallback(e,t,s){this._$AK(e,s)}_$ET(e,t){let s=this.constructor.elementProperties.get(e),i=this.constructor._$Eu(e,s);if(i!==void 0&&s.reflect===!0){let r=(s.converter?.toAttribute!==void 0?s.converter:js).toAttribute(t,s.type);this._$Em=e,r==null?this.removeAttribute(i):this.setAttribute(i,r),this._$Em=null}}_$AK(e,t){let s=this.constructor,i=s._$Eh.get(e);if(i!==void 0&&this._$Em!==i){let r=s.getPropertyOptions(i),o=typeof r.converter=="function"?{fromAttribute:r.converter}:r.converter?.fromAttribute!==void 0?r.converter:js;this._$Em=i;let a=o.fromAttribute(t,r.type);this[i]=a??this._$Ej?.get(i)??a,this._$Em=null}}requestUpdate(e,t,s,i=!1,r){if(e!==void 0){let o=this.constructor;if(i===!1&&(r=this[e]),s??=o.getPropertyOptions(e),!((s.hasChanged??Vn)(r,t)||s.useDefault&&s.reflect&&r===this._$Ej?.get(e)&&!this.hasAttribute(o._$Eu(e,s))))return;this.C(e,t,s)}this.isUpdatePending===!1&&(this._$ES=this._$EP())}C(e,t,{useDefault:s,reflect:i,wrapped:r},o){s&&!(this._$Ej??=new Map).has(e)&&(this._$Ej.set(e,o??t??this[e]),r!==!0||o!==void 0)||(this._$AL.has(e)||(this.hasUpdated||s||(t=void 0),this._$AL.set(e,t)),i===!0&&this._$Em!==e&&(this._$Eq??=new Set).add(e))}async _$EP(){this.isUpdatePending=!0;try{await this._$ES}catch(t){Promise.reject(t)}let e=this.scheduleUpdate();return e!=null&&await e,!this.isUpdatePending}scheduleUpdate(){return this.performUpdate()}performUpdate(){if(!this.isUpdatePending)return;if(!this.hasUpdated){if(this.renderRoot??=this.createRenderRoot(),this._$Ep){for(let[i,r]of this._$Ep)this[i]=r;this._$Ep=void 0}let s=this.constructor.elementProperties;if(s.size>0)for(let[i,r]of s){let{wrapped:o}=r,a=this[i];o!==!0||this._$AL.has(i)||a===void 0||this.C(i,void 0,r,a)}}let e=!1,t=this._$AL;try{e=this.shouldUpdate(t),e?(this.willUpdate(t),this._$EO?.forEach(s=>s.hostUpdate?.()),this.update(t)):this._$EM()}catch(s){throw e=!1,this._$EM(),s}e&&this._$AE(t)}willUpdate(e){}_$AE(e){this._$EO?.forEach(t=>t.hostUpdated?.()),this.hasUpdated||(this.hasUpdated=!0,this.firstUpdated(e)),this.updated(e)}_$EM(){this._$AL=new Map,this.isUpdatePending=!1}get updateComplete(){return this.getUpdateComplete()}getUpdateComplete(){return this._$ES}shouldUpdate(e){return!0}update(e){this._$Eq&&=this._$Eq.forEach(t=>this._$ET(t,this[t])),this._$EM()}updated(e){}firstUpdated(e){}};B.elementStyles=[],B.shadowRootOptions={mode:"open"},B[ze("elementProperties")]=new Map,B[ze("finalized")]=new Map,jr?.({ReactiveElement:B}),(Lt.reactiveElementVersions??=[]).push("2.1.2");var Ls=globalThis,Gn=n=>n,Nt=Ls.trustedTypes,Kn=Nt?Nt.createPolicy("lit-html",{createHTML:n=>n}):void 0,Ns="$lit$",H=`lit$${Math.random().toFixed(9).slice(2)}$`,Ws="?"+H,Fr=`<${Ws}>`,pe=document,Ge=()=>pe.createComment(""),Ke=n=>n===null||typeof n!="object"&&typeof n!="function",Ds=Array.isArray,ei=n=>Ds(n)||typeof n?.[Symbol.iterator]=="function",Fs=`[ 	
\f\r]`,Ve=/<(?:(!--|\/[^a-zA-Z])|(\/?[a-zA-Z][^>\s]*)|(\/?$))/g,Xn=/-->/g,Yn=/>/g,he=RegExp(`>|${Fs}(?:([^\\s"'>=/]+)(${Fs}*=${Fs}*(?:[^ 	
\f\r"'\`<>=]|("|')|))|$)`,"g"),Jn=/'/g,Qn=/"/g,ti=/^(?:script|style|textarea|title)$/i,qs=n=>(e,...t)=>({_$litType$:n,strings:e,values:t}),d=qs(1),bl=qs(2),yl=qs(3),U=Symbol.for("lit-noChange"),u=Symbol.for("lit-nothing"),Zn=new WeakMap,ue=pe.createTreeWalker(pe,129);function si(n,e){if(!Ds(n)||!n.hasOwnProperty("raw"))throw Error("invalid template strings array");return Kn!==void 0?Kn.createHTML(e):e}var ni=(n,e)=>{let t=n.length-1,s=[],i,r=e===2?"<svg>":e===3?"<math>":"",o=Ve;for(let a=0;a<t;a++){let l=n[a],c,p,h=-1,f=0;for(;f<l.length&&(o.lastIndex=f,p=o.exec(l),p!==null);)f=o.lastIndex,o===Ve?p[1]==="!--"?o=Xn:p[1]!==void 0?o=Yn:p[2]!==void 0?(ti.test(p[2])&&(i=RegExp("</"+p[2],"g")),o=he):p[3]!==void 0&&(o=he):o===he?p[0]===">"?(o=i??Ve,h=-1):p[1]===void 0?h=-2:(h=o.lastIndex-p[2].length,c=p[1],o=p[3]===void 0?he:p[3]==='"'?Qn:Jn):o===Qn||o===Jn?o=he:o===Xn||o===Yn?o=Ve:(o=he,i=void 0);let g=o===he&&n[a+1].startsWith("/>")?" ":"";r+=o===Ve?l+Fr:h>=0?(s.push(c),l.slice(0,h)+Ns+l.slice(h)+H+g):l+H+(h===-2?a:g)}return[si(n,r+(n[t]||"<?>")+(e===2?"</svg>":e===3?"</math>":"")),s]},Xe=class n{constructor({strings:e,_$litType$:t},s){let i;this.parts=[];let r=0,o=0,a=e.length-1,l=this.parts,[c,p]=ni(e,t);if(this.el=n.createElement(c,s),ue.currentNode=this.el.content,t===2||t===3){let h=this.el.content.firstChild;h.replaceWith(...h.childNodes)}for(;(i=ue.nextNode())!==null&&l.length<a;){if(i.nodeType===1){if(i.hasAttributes())for(let h of i.getAttributeNames())if(h.endsWith(Ns)){let f=p[o++],g=i.getAttribute(h).split(H),y=/([.?@])?(.*)/.exec(f);l.push({type:1,index:r,name:y[2],strings:g,ctor:y[1]==="."?Dt:y[1]==="?"?qt:y[1]==="@"?Bt:ge}),i.removeAttribute(h)}else h.startsWith(H)&&(l.push({type:6,index:r}),i.removeAttribute(h));if(ti.test(i.tagName)){let h=i.textContent.split(H),f=h.length-1;if(f>0){i.textContent=Nt?Nt.emptyScript:"";for(let g=0;g<f;g++)i.append(h[g],Ge()),ue.nextNode(),l.push({type:2,index:++r});i.append(h[f],Ge())}}}else if(i.nodeType===8)if(i.data===Ws)l.push({type:2,index:r});else{let h=-1;for(;(h=i.data.indexOf(H,h+1))!==-1;)l.push({type:7,index:r}),h+=H.length-1}r++}}static createElement(e,t){let s=pe.createElement("template");return s.innerHTML=e,s}};function fe(n,e,t=n,s){if(e===U)return e;let i=s!==void 0?t._$Co?.[s]:t._$Cl,r=Ke(e)?void 0:e._$litDirective$;return i?.constructor!==r&&(i?._$AO?.(!1),r===void 0?i=void 0:(i=new r(n),i._$AT(n,t,s)),s!==void 0?(t._$Co??=[])[s]=i:t._$Cl=i),i!==void 0&&(e=fe(n,i._$AS(n,e.values),i,s)),e}var Wt=class{constructor(e,t){this._$AV=[],this._$AN=void 0,this._$AD=e,this._$AM=t}get parentNode(){return this._$AM.parentNode}get _$AU(){return this._$AM._$AU}u(e){let{el:{content:t},parts:s}=this._$AD,i=(e?.creationScope??pe).importNode(t,!0);ue.currentNode=i;let r=ue.nextNode(),o=0,a=0,l=s[0];for(;l!==void 0;){if(o===l.index){let c;l.type===2?c=new $e(r,r.nextSibling,this,e):l.type===1?c=new l.ctor(r,l.name,l.strings,this,e):l.type===6&&(c=new Ht(r,this,e)),this._$AV.push(c),l=s[++a]}o!==l?.index&&(r=ue.nextNode(),o++)}return ue.currentNode=pe,i}p(e){let t=0;for(let s of this._$AV)s!==void 0&&(s.strings!==void 0?(s._$AI(e,s,t),t+=s.strings.length-2):s._$AI(e[t])),t++}},$e=class n{get _$AU(){return this._$AM?._$AU??this._$Cv}constructor(e,t,s,i){this.type=2,this._$AH=u,this._$AN=void 0,this._$AA=e,this._$AB=t,this._$AM=s,this.options=i,this._$Cv=i?.isConnected??!0}get parentNode(){let e=this._$AA.parentNode,t=this._$AM;return t!==void 0&&e?.nodeType===11&&(e=t.parentNode),e}get startNode(){return this._$AA}get endNode(){return this._$AB}_$AI(e,t=this){e=fe(this,e,t),Ke(e)?e===u||e==null||e===""?(this._$AH!==u&&this._$AR(),this._$AH=u):e!==this._$AH&&e!==U&&this._(e):e._$litType$!==void 0?this.$(e):e.nodeType!==void 0?this.T(e):ei(e)?this.k(e):this._(e)}O(e){return this._$AA.parentNode.insertBefore(e,this._$AB)}T(e){this._$AH!==e&&(this._$AR(),this._$AH=this.O(e))}_(e){this._$AH!==u&&Ke(this._$AH)?this._$AA.nextSibling.data=e:this.T(pe.createTextNode(e)),this._$AH=e}$(e){let{values:t,_$litType$:s}=e,i=typeof s=="number"?this._$AC(e):(s.el===void 0&&(s.el=Xe.createElement(si(s.h,s.h[0]),this.options)),s);if(this._$AH?._$AD===i)this._$AH.p(t);else{let r=new Wt(i,this),o=r.u(this.options);r.p(t),this.T(o),this._$AH=r}}_$AC(e){let t=Zn.get(e.strings);return t===void 0&&Zn.set(e.strings,t=new Xe(e)),t}k(e){Ds(this._$AH)||(this._$AH=[],this._$AR());let t=this._$AH,s,i=0;for(let r of e)i===t.length?t.push(s=new n(this.O(Ge()),this.O(Ge()),this,this.options)):s=t[i],s._$AI(r),i++;i<t.length&&(this._$AR(s&&s._$AB.nextSibling,i),t.length=i)}_$AR(e=this._$AA.nextSibling,t){for(this._$AP?.(!1,!0,t);e!==this._$AB;){let s=Gn(e).nextSibling;Gn(e).remove(),e=s}}setConnected(e){this._$AM===void 0&&(this._$Cv=e,this._$AP?.(e))}},ge=class{get tagName(){return this.element.tagName}get _$AU(){return this._$AM._$AU}constructor(e,t,s,i,r){this.type=1,this._$AH=u,this._$AN=void 0,this.element=e,this.name=t,this._$AM=i,this.options=r,s.length>2||s[0]!==""||s[1]!==""?(this._$AH=Array(s.length-1).fill(new String),this.strings=s):this._$AH=u}_$AI(e,t=this,s,i){let r=this.strings,o=!1;if(r===void 0)e=fe(this,e,t,0),o=!Ke(e)||e!==this._$AH&&e!==U,o&&(this._$AH=e);else{let a=e,l,c;for(e=r[0],l=0;l<r.length-1;l++)c=fe(this,a[s+l],t,l),c===U&&(c=this._$AH[l]),o||=!Ke(c)||c!==this._$AH[l],c===u?e=u:e!==u&&(e+=(c??"")+r[l+1]),this._$AH[l]=c}o&&!i&&this.j(e)}j(e){e===u?this.element.removeAttribute(this.name):this.element.setAttribute(this.name,e??"")}},Dt=class extends ge{constructor(){super(...arguments),this.type=3}j(e){this.element[this.name]=e===u?void 0:e}},qt=class extends ge{constructor(){super(...arguments),this.type=4}j(e){this.element.toggleAttribute(this.name,!!e&&e!==u)}},Bt=class extends ge{constructor(e,t,s,i,r){super(e,t,s,i,r),this.type=5}_$AI(e,t=this){if((e=fe(this,e,t,0)??u)===U)return;let s=this._$AH,i=e===u&&s!==u||e.capture!==s.capture||e.once!==s.once||e.passive!==s.passive,r=e!==u&&(s===u||i);i&&this.element.removeEventListener(this.name,this,s),r&&this.element.addEventListener(this.name,this,e),this._$AH=e}handleEvent(e){typeof this._$AH=="function"?this._$AH.call(this.options?.host??this.element,e):this._$AH.handleEvent(e)}},Ht=class{constructor(e,t,s){this.element=e,this.type=6,this._$AN=void 0,this._$AM=t,this.options=s}get _$AU(){return this._$AM._$AU}_$AI(e){fe(this,e)}},ii={M:Ns,P:H,A:Ws,C:1,L:ni,R:Wt,D:ei,V:fe,I:$e,H:ge,N:qt,U:Bt,B:Dt,F:Ht},Lr=Ls.litHtmlPolyfillSupport;Lr?.(Xe,$e),(Ls.litHtmlVersions??=[]).push("3.3.3");var Ye=(n,e,t)=>{let s=t?.renderBefore??e,i=s._$litPart$;if(i===void 0){let r=t?.renderBefore??null;s._$litPart$=i=new $e(e.insertBefore(Ge(),r),r,void 0,t??{})}return i._$AI(n),i};var Bs=globalThis,C=class extends B{constructor(){super(...arguments),this.renderOptions={host:this},this._$Do=void 0}createRenderRoot(){let e=super.createRenderRoot();return this.renderOptions.renderBefore??=e.firstChild,e}update(e){let t=this.render();this.hasUpdated||(this.renderOptions.isConnected=this.isConnected),super.update(e),this._$Do=Ye(t,this.renderRoot,this.renderOptions)}connectedCallback(){super.connectedCallback(),this._$Do?.setConnected(!0)}disconnectedCallback(){super.disconnectedCallback(),this._$Do?.setConnected(!1)}render(){return U}};C._$litElement$=!0,C.finalized=!0,Bs.litElementHydrateSupport?.({LitElement:C});var Nr=Bs.litElementPolyfillSupport;Nr?.({LitElement:C});(Bs.litElementVersions??=[]).push("4.2.2");var P=E`
  :host {
    --_bg: var(--cw-bg, #ffffff);
    --_fg: var(--cw-fg, #1b1f24);
    --_muted: var(--cw-muted, #56606b);
    --_border: var(--cw-border, #d5dae0);
    --_panel: var(--cw-panel, #f5f7f9);
    --_hover: var(--cw-hover, #eaeef2);
    --_accent: var(--cw-accent, #1d5bc7);
    --_accent-fg: var(--cw-accent-fg, #ffffff);
    --_bubble: var(--cw-bubble, #eaeef2);
    --_bubble-fg: var(--cw-bubble-fg, #1b1f24);
    --_bubble-me: var(--cw-bubble-me, var(--_accent));
    --_bubble-me-fg: var(--cw-bubble-me-fg, var(--_accent-fg));
    --_system: var(--cw-system, #fdf6e3);
    --_system-fg: var(--cw-system-fg, #5c4a12);
    --_badge: var(--cw-badge, #c4251b);
    --_badge-fg: var(--cw-badge-fg, #ffffff);
    --_online: var(--cw-online, #12864a);
    --_danger: var(--cw-danger, #b42318);
    --_radius: var(--cw-radius, 14px);
    --_font: var(--cw-font, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif);
    --_font-size: var(--cw-font-size, 15px);
    --_focus: var(--cw-focus, #1d5bc7);
    color-scheme: var(--cw-color-scheme, light);
    font-family: var(--_font);
    font-size: var(--_font-size);
    color: var(--_fg);
  }
`,Ee=E`
  :host([theme="dark"]) {
    --cw-bg: #15181c;
    --cw-fg: #e7eaee;
    --cw-muted: #a2acb7;
    --cw-border: #343a42;
    --cw-panel: #1d2126;
    --cw-hover: #272c33;
    --cw-accent: #8ab4ff;
    --cw-accent-fg: #0b1a33;
    --cw-bubble: #2a3038;
    --cw-bubble-fg: #e7eaee;
    --cw-system: #2e2a1c;
    --cw-system-fg: #efdca4;
    --cw-badge: #ff8a80;
    --cw-badge-fg: #2b0a07;
    --cw-online: #4ade80;
    --cw-danger: #ff8a80;
    --cw-focus: #8ab4ff;
    --cw-color-scheme: dark;
  }
  @media (prefers-color-scheme: dark) {
    :host([theme="auto"]) {
      --cw-bg: #15181c;
    --cw-fg: #e7eaee;
    --cw-muted: #a2acb7;
    --cw-border: #343a42;
    --cw-panel: #1d2126;
    --cw-hover: #272c33;
    --cw-accent: #8ab4ff;
    --cw-accent-fg: #0b1a33;
    --cw-bubble: #2a3038;
    --cw-bubble-fg: #e7eaee;
    --cw-system: #2e2a1c;
    --cw-system-fg: #efdca4;
    --cw-badge: #ff8a80;
    --cw-badge-fg: #2b0a07;
    --cw-online: #4ade80;
    --cw-danger: #ff8a80;
    --cw-focus: #8ab4ff;
    --cw-color-scheme: dark;
    }
  }
`,I=E`
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  button {
    font: inherit;
    color: inherit;
    background: none;
    border: 0;
    padding: 0;
    cursor: pointer;
  }
  button:focus-visible,
  a:focus-visible,
  input:focus-visible,
  textarea:focus-visible,
  [tabindex]:focus-visible {
    outline: 2px solid var(--_focus);
    outline-offset: 2px;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
  .avatar {
    position: relative;
    flex: none;
    width: var(--size, 40px);
    height: var(--size, 40px);
    border-radius: 50%;
    background: var(--_hover);
    color: var(--_fg);
    display: inline-grid;
    place-items: center;
    font-size: calc(var(--size, 40px) * 0.4);
    font-weight: 600;
    user-select: none;
  }
  .avatar img {
    width: 100%;
    height: 100%;
    border-radius: 50%;
    object-fit: cover;
  }
  .avatar .dot {
    position: absolute;
    inset-inline-end: 0;
    bottom: 0;
    width: 28%;
    height: 28%;
    border-radius: 50%;
    background: var(--_online);
    border: 2px solid var(--_bg);
  }
  .badge {
    display: inline-grid;
    place-items: center;
    min-width: 20px;
    height: 20px;
    padding: 0 6px;
    border-radius: 10px;
    background: var(--_badge);
    color: var(--_badge-fg);
    font-size: 12px;
    font-weight: 700;
    line-height: 1;
  }
  .muted {
    color: var(--_muted);
  }
  .icon-button {
    display: inline-grid;
    place-items: center;
    min-width: 36px;
    min-height: 36px;
    border-radius: 8px;
  }
  .icon-button:hover {
    background: var(--_hover);
  }
  svg {
    width: 20px;
    height: 20px;
    fill: none;
    stroke: currentColor;
    stroke-width: 2;
    stroke-linecap: round;
    stroke-linejoin: round;
  }
`;var M=class{constructor(e){this.value=void 0;this.loadedAll=!1;this.#t=null;this.#s=null;this.#n=null;this.#i=!1;this.#e=e,e.addController(this)}#e;#t;#s;#n;#i;follow(e,t){e!==this.#s&&(this.#o(),this.#s=e,this.#n=t,this.value=void 0,this.loadedAll=!1,this.#i&&this.#r())}followConversation(e,t,s){let i=e&&t?Hs(e,t):null;i!==this.#s&&this.follow(i,e&&t?r=>s(e.session.conversation(t),r):null)}get key(){return this.#s}get subscription(){return this.#t}hostConnected(){this.#i=!0,this.#r()}hostDisconnected(){this.#i=!1,this.#o()}#r(){if(this.#t||this.#s===null||!this.#n)return;let e=this.#s;this.#t=this.#n((t,s)=>{if(e!==this.#s)return;let i=s??!1;t===this.value&&i===this.loadedAll||(this.value=t,this.loadedAll=i,this.#e.requestUpdate())})}#o(){this.#t?.unsubscribe(),this.#t=null}};function Hs(n,e){return`${n.me}\0${e}`}function Wr(n){return typeof n=="object"&&n!==null&&"currentUser"in n&&"conversation"in n}var se=class{#e;#t=null;#s=null;#n=!1;constructor(e){this.#e=e,e.addController(this)}get session(){return this.#t}set session(e){e!==this.#t&&(this.#t=e,this.#n=!1,this.#s=this.#i(e),this.#e.requestUpdate())}get ctx(){return this.#s}#i(e){if(e instanceof de)return e;if(Wr(e)){let t=this.#e.getAttribute("theme");return new de(e,{locale:this.#e.getAttribute("locale"),options:t==="dark"||t==="auto"?{theme:t}:{}})}return null}hostConnected(){if(this.#s)return;let e=this.#e,t=e.getAttribute("app-id"),s=e.getAttribute("user-id");if(!t||!s)return;let i=e.getAttribute("host")??void 0,r=Be({appId:t,userId:s,...i?{host:i}:{}}),o=e.getAttribute("token");o&&r.setToken(o),this.#t=r,this.#n=!0,this.#s=this.#i(r),this.#e.requestUpdate()}hostUpdated(){let e=this.#s?.options.dir;e&&e!=="auto"&&this.#e.getAttribute("dir")!==e&&this.#e.setAttribute("dir",e)}hostDisconnected(){this.#n&&!this.#e.isConnected&&queueMicrotask(()=>{this.#e.isConnected||!this.#n||(this.#s=null,this.#t=null,this.#n=!1)})}};var zt=class extends C{constructor(){super();this.host_=new se(this);this.#e=new M(this);this.#t=null;this.#s=null;this.conversationId=null,this.showBack=!1,this.showClose=!1,this.theme="light",this.addEventListener("cw-reply",t=>{this.#s=null,this.#t=t.detail.message,this.requestUpdate()}),this.addEventListener("cw-edit",t=>{this.#t=null,this.#s=t.detail.message,this.requestUpdate()}),this.addEventListener("cw-cancel",()=>{this.#t=null,this.#s=null,this.requestUpdate()}),this.addEventListener("cw-sent",()=>{this.#t=null,this.renderRoot.querySelector("cw-message-list")?.scrollToLatest(),this.requestUpdate()})}static{this.styles=[P,Ee,I,E`
      :host {
        display: flex;
        flex-direction: column;
        height: 100%;
        min-height: 0;
        background: var(--_bg);
        color: var(--_fg);
        overflow: hidden;
      }
      .empty {
        flex: 1;
        display: grid;
        place-items: center;
        color: var(--_muted);
        padding: 24px;
        text-align: center;
      }
    `]}static{this.properties={conversationId:{attribute:"conversation-id",reflect:!0},showBack:{attribute:!1},showClose:{attribute:!1},theme:{reflect:!0}}}#e;#t;#s;set session(t){this.host_.session=t}get session(){return this.host_.session}get ctx(){return this.host_.ctx}set ctx(t){this.host_.session=t}get composer(){return this.renderRoot.querySelector("cw-composer")}willUpdate(t){let s=this.ctx,i=this.conversationId;(s&&i?Hs(s,i):null)!==this.#e.key&&(this.#t=null,this.#s=null),this.#e.followConversation(s,i,(r,o)=>r.subscribe(o)),t.has("theme")&&s&&(s.options.theme=this.theme)}updated(t){t.has("conversationId")&&this.conversationId&&this.ctx?.options.messageField.autofocus==="smart"&&matchMedia("(pointer: fine)").matches&&this.composer?.updateComplete.then(()=>this.composer?.focus())}render(){let t=this.ctx;if(!t)return u;let s=t.locale.strings,i=this.conversationId;if(!i)return d`<div class="empty">${s.selectConversation}</div>`;let r=this.#e.value,o=r?.access==="Read",a=t.options.messageField;return d`
      ${t.options.showChatHeader?d`<cw-chat-header
            .ctx=${t}
            .conversationId=${i}
            .showBack=${this.showBack}
            .showClose=${this.showClose}
          ></cw-chat-header>`:u}
      <cw-message-list .ctx=${t} .conversationId=${i}></cw-message-list>
      <cw-typing .ctx=${t} .conversationId=${i}></cw-typing>
      ${a.visible&&r!==null?d`<cw-composer
            .ctx=${t}
            .conversationId=${i}
            .readOnly=${o}
            .replyTo=${this.#t}
            .editing=${this.#s}
          ></cw-composer>`:u}
    `}};var Dr=5e3;async function qr(n){let e=URL.createObjectURL(n);try{if(n.type.startsWith("image/")){let t=new Image;return t.src=e,await t.decode(),{width:t.naturalWidth,height:t.naturalHeight}}if(n.type.startsWith("video/")||n.type.startsWith("audio/")){let t=document.createElement(n.type.startsWith("video/")?"video":"audio");t.preload="metadata",t.src=e,await new Promise((i,r)=>{t.onloadedmetadata=()=>i(),t.onerror=()=>r(new Error("unreadable media")),setTimeout(i,3e3)});let s={};return Number.isFinite(t.duration)&&(s.duration=Math.round(t.duration)),t instanceof HTMLVideoElement&&t.videoWidth>0&&(s.width=t.videoWidth,s.height=t.videoHeight),s}}catch{}finally{URL.revokeObjectURL(e)}return{}}async function Br(n,e,t){let s=await qr(e),i=e.name||"file",r={onProgress:t};return e.type.startsWith("image/")?n.uploadImage(e,{filename:i,...s},r):e.type.startsWith("video/")?n.uploadVideo(e,{filename:i,...s},r):e.type.startsWith("audio/")?n.uploadAudio(e,{filename:i,...s},r):n.uploadFile(e,{filename:i},r)}var Vt=class extends C{static{this.styles=[P,I,E`
      :host {
        display: block;
        border-top: 1px solid var(--_border);
        background: var(--_bg);
        padding: 8px 10px;
      }
      .context {
        display: flex;
        align-items: center;
        gap: 8px;
        font-size: 13px;
        color: var(--_muted);
        padding: 0 4px 6px;
      }
      .context .what {
        flex: 1;
        min-width: 0;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .field {
        display: flex;
        align-items: flex-end;
        gap: 6px;
      }
      textarea {
        flex: 1;
        min-width: 0;
        resize: none;
        font: inherit;
        color: var(--_fg);
        background: var(--_panel);
        border: 1px solid var(--_border);
        border-radius: 18px;
        padding: 8px 14px;
        max-height: 160px;
        line-height: 1.4;
      }
      textarea::placeholder {
        color: var(--_muted);
      }
      .send {
        background: var(--_accent);
        color: var(--_accent-fg);
        border-radius: 50%;
      }
      .send:hover {
        background: var(--_accent);
        filter: brightness(1.08);
      }
      .send[disabled] {
        opacity: 0.55;
        cursor: default;
      }
      .uploads {
        font-size: 13px;
        padding: 0 4px 6px;
      }
      progress {
        width: 120px;
        vertical-align: middle;
      }
      .error {
        color: var(--_danger);
      }
      .readonly {
        color: var(--_muted);
        font-size: 14px;
        text-align: center;
        padding: 6px;
      }
    `]}static{this.properties={ctx:{attribute:!1},conversationId:{attribute:!1},readOnly:{attribute:!1},replyTo:{attribute:!1},editing:{attribute:!1}}}#e="";#t=0;#s=[];#n=null;#i=new Map;constructor(){super(),this.ctx=null,this.conversationId=null,this.readOnly=!1,this.replyTo=null,this.editing=null}get#r(){return this.renderRoot.querySelector("textarea")}willUpdate(e){if(e.has("conversationId")){let t=e.get("conversationId");t&&this.#i.set(t,this.#e),this.#e=this.conversationId?this.#i.get(this.conversationId)??"":"",this.#t=0,this.#n=null}e.has("editing")&&this.editing&&(this.#e=this.editing.content.flatMap(t=>t.type==="text"?[ot(t.children)]:[]).join(`
`))}updated(e){let t=this.#r;t&&(t.value!==this.#e&&(t.value=this.#e),this.#o(t),(e.has("editing")&&this.editing||e.has("replyTo")&&this.replyTo)&&t.focus())}focus(){this.#r?.focus()}get text(){return this.#e}setText(e){this.#e=e,this.requestUpdate()}#o(e){e.style.height="auto",e.style.height=`${Math.min(e.scrollHeight+2,160)}px`}#a=e=>{let t=e.target;if(this.#e=t.value,this.#o(t),this.#n=null,this.editing||this.#e.length===0||!this.ctx||!this.conversationId)return;let s=Date.now();s-this.#t>Dr&&(this.#t=s,this.ctx.session.conversation(this.conversationId).markAsTyping().catch(()=>{}))};#l=e=>{if(e.key==="Escape"&&(this.replyTo||this.editing)){e.preventDefault(),this.#c();return}e.key!=="Enter"||e.isComposing||(this.ctx?.options.messageField.enterSendsMessage??!0?e.shiftKey:!(e.ctrlKey||e.metaKey))||(e.preventDefault(),this.submit())};#c(){this.editing&&(this.#e=""),this.dispatchEvent(new CustomEvent("cw-cancel",{bubbles:!0,composed:!0}))}async submit(){let e=this.ctx,t=this.conversationId;if(!e||!t)return;let s=this.#e;if(s.trim().length===0)return;let i=e.session.conversation(t);if(this.editing){let a=this.editing;this.#e="",this.requestUpdate(),this.dispatchEvent(new CustomEvent("cw-cancel",{bubbles:!0,composed:!0}));try{await i.message(a.id).edit(s)}catch(l){this.#e=s,this.#d(l)}return}let r=this.replyTo,o;if(e.beforeSend){let a=await e.beforeSend({conversationId:t,text:s,referencedMessageId:r?.id??null});if(a?.cancel)return;typeof a?.text=="string"&&(s=a.text),a?.custom&&(o=a.custom)}this.#e="",this.#i.delete(t),this.#t=0,this.requestUpdate(),this.dispatchEvent(new CustomEvent("cw-sent",{bubbles:!0,composed:!0}));try{await i.send({text:s,...r?{referencedMessage:r.id}:{},...o?{custom:o}:{}})}catch(a){this.#e===""&&(this.#e=s),this.#d(a)}}#d(e){this.#n=this.ctx?.locale.strings.sendFailed(e.message)??e.message,this.requestUpdate(),this.dispatchEvent(new CustomEvent("cw-error",{detail:{error:e},bubbles:!0,composed:!0}))}#u=()=>{this.renderRoot.querySelector("input[type=file]")?.click()};#p=e=>{let t=e.target,s=[...t.files??[]];t.value="";for(let i of s)this.sendFile(i)};#h=e=>{let t=[...e.clipboardData?.files??[]];if(t.length!==0){e.preventDefault();for(let s of t)this.sendFile(s)}};async sendFile(e){let t=this.ctx,s=this.conversationId;if(!t||!s)return;let i={name:e.name||"file",percent:null,error:null};this.#s=[...this.#s,i],this.requestUpdate();try{let r=await Br(t.session,e,(o,a)=>{i.percent=a>0?Math.floor(o/a*100):null,this.requestUpdate()});await t.session.conversation(s).send({content:[{type:"file",fileToken:r}]}),this.#s=this.#s.filter(o=>o!==i),this.dispatchEvent(new CustomEvent("cw-sent",{bubbles:!0,composed:!0}))}catch(r){i.error=r.message,this.dispatchEvent(new CustomEvent("cw-error",{detail:{error:r},bubbles:!0,composed:!0})),setTimeout(()=>{this.#s=this.#s.filter(o=>o!==i),this.requestUpdate()},8e3)}this.requestUpdate()}render(){let e=this.ctx;if(!e||!this.conversationId)return u;let t=e.locale.strings;if(this.readOnly)return d`<p class="readonly">${t.readOnly}</p>`;let s=e.options.messageField,i=this.editing?d`<div class="context">
          <span class="what">${t.editing}</span>
          <button class="icon-button" aria-label=${t.cancelEdit} title=${t.cancelEdit} @click=${()=>this.#c()}>
            <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 6l12 12M18 6 6 18" /></svg>
          </button>
        </div>`:this.replyTo?d`<div class="context">
            <span class="what">${t.replyingTo(this.replyTo.sender?.name??"")}: ${this.replyTo.plaintext}</span>
            <button class="icon-button" aria-label=${t.cancelReply} title=${t.cancelReply} @click=${()=>this.#c()}>
              <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 6l12 12M18 6 6 18" /></svg>
            </button>
          </div>`:u;return d`
      ${this.#s.length>0?d`<div class="uploads" role="status">
            ${this.#s.map(r=>r.error?d`<div class="error">${r.name}: ${t.uploadFailed(r.error)}</div>`:d`<div>
                    ${r.name} <progress max="100" .value=${r.percent??0} aria-label=${t.uploading(r.percent)}></progress>
                    <span class="muted">${t.uploading(r.percent)}</span>
                  </div>`)}
          </div>`:u}
      ${this.#n?d`<div class="uploads error" role="alert">${this.#n}</div>`:u} ${i}
      <div class="field">
        ${this.editing?u:d`<button class="icon-button" aria-label=${t.attachFile} title=${t.attachFile} @click=${this.#u}>
              <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M21 11.5 12.5 20a5 5 0 0 1-7-7L14 4.5a3.5 3.5 0 0 1 5 5L10.5 18a2 2 0 0 1-3-3L15 7.5" /></svg>
            </button>`}
        <input type="file" multiple hidden @change=${this.#p} />
        <textarea
          rows="1"
          aria-label=${t.messageField}
          placeholder=${s.placeholder??t.messagePlaceholder}
          spellcheck=${s.spellcheck?"true":"false"}
          @input=${this.#a}
          @keydown=${this.#l}
          @paste=${this.#h}
        ></textarea>
        <button class="icon-button send" aria-label=${this.editing?t.save:t.send} title=${this.editing?t.save:t.send} @click=${()=>{this.submit()}}>
          <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 12 20 4l-6 16-3-7z" /></svg>
        </button>
      </div>
    `}};var Gt={ATTRIBUTE:1,CHILD:2,PROPERTY:3,BOOLEAN_ATTRIBUTE:4,EVENT:5,ELEMENT:6},Te=n=>(...e)=>({_$litDirective$:n,values:e}),ne=class{constructor(e){}get _$AU(){return this._$AM._$AU}_$AT(e,t,s){this._$Ct=e,this._$AM=t,this._$Ci=s}_$AS(e,t){return this.update(e,t)}update(e,t){return this.render(...t)}};var Hr={},Kt=Te(class extends ne{constructor(){super(...arguments),this.ot=Hr}render(n,e){return e()}update(n,[e,t]){if(Array.isArray(e)){if(Array.isArray(this.ot)&&this.ot.length===e.length&&e.every((s,i)=>s===this.ot[i]))return U}else if(this.ot===e)return U;return this.ot=Array.isArray(e)?Array.from(e):e,this.render(e,t)}});var{I:zr}=ii,ri=n=>n;var oi=()=>document.createComment(""),Me=(n,e,t)=>{let s=n._$AA.parentNode,i=e===void 0?n._$AB:e._$AA;if(t===void 0){let r=s.insertBefore(oi(),i),o=s.insertBefore(oi(),i);t=new zr(r,o,n,n.options)}else{let r=t._$AB.nextSibling,o=t._$AM,a=o!==n;if(a){let l;t._$AQ?.(n),t._$AM=n,t._$AP!==void 0&&(l=n._$AU)!==o._$AU&&t._$AP(l)}if(r!==i||a){let l=t._$AA;for(;l!==r;){let c=ri(l).nextSibling;ri(s).insertBefore(l,i),l=c}}}return t},ie=(n,e,t=n)=>(n._$AI(e,t),n),Vr={},ai=(n,e=Vr)=>n._$AH=e,li=n=>n._$AH,Xt=n=>{n._$AR(),n._$AA.remove()};var ci=(n,e,t)=>{let s=new Map;for(let i=e;i<=t;i++)s.set(n[i],i);return s},Yt=Te(class extends ne{constructor(n){if(super(n),n.type!==Gt.CHILD)throw Error("repeat() can only be used in text expressions")}dt(n,e,t){let s;t===void 0?t=e:e!==void 0&&(s=e);let i=[],r=[],o=0;for(let a of n)i[o]=s?s(a,o):o,r[o]=t(a,o),o++;return{values:r,keys:i}}render(n,e,t){return this.dt(n,e,t).values}update(n,[e,t,s]){let i=li(n),{values:r,keys:o}=this.dt(e,t,s);if(!Array.isArray(i))return this.ut=o,r;let a=this.ut??=[],l=[],c,p,h=0,f=i.length-1,g=0,y=r.length-1;for(;h<=f&&g<=y;)if(i[h]===null)h++;else if(i[f]===null)f--;else if(a[h]===o[g])l[g]=ie(i[h],r[g]),h++,g++;else if(a[f]===o[y])l[y]=ie(i[f],r[y]),f--,y--;else if(a[h]===o[y])l[y]=ie(i[h],r[y]),Me(n,l[y+1],i[h]),h++,y--;else if(a[f]===o[g])l[g]=ie(i[f],r[g]),Me(n,i[h],i[f]),f--,g++;else if(c===void 0&&(c=ci(o,g,y),p=ci(a,h,f)),c.has(a[h]))if(c.has(a[f])){let m=p.get(o[g]),R=m!==void 0?i[m]:null;if(R===null){let v=Me(n,i[h]);ie(v,r[g]),l[g]=v}else l[g]=ie(R,r[g]),Me(n,i[h],R),i[m]=null;g++}else Xt(i[f]),f--;else Xt(i[h]),h++;for(;g<=y;){let m=Me(n,l[y+1]);ie(m,r[g]),l[g++]=m}for(;h<=f;){let m=i[h++];m!==null&&Xt(m)}return this.ut=o,ai(n,l),U}});var Gr=new Set(["http:","https:","mailto:","tel:"]);function zs(n){if(!n)return null;try{let e=typeof location<"u"?location.href:"http://localhost/",t=new URL(n,e);return Gr.has(t.protocol)?t.href:null}catch{return null}}function di(n,e){let t=zs(n);return t?d`<a href=${t} target="_blank" rel="noopener noreferrer nofollow ugc">${e}</a>`:d`<span>${e}</span>`}function z(n){return n.map(Kr)}function Kr(n){if(typeof n=="string")return n;switch(n.type){case"bold":return d`<strong>${z(n.children)}</strong>`;case"italic":return d`<em>${z(n.children)}</em>`;case"strikethrough":return d`<s>${z(n.children)}</s>`;case"codeSpan":return d`<code>${n.text}</code>`;case"link":return di(n.url,z(n.children));case"autoLink":return di(n.url,n.text);case"mention":return d`<span class="mention" data-user-id=${n.id}>${n.text}</span>`;case"bulletList":return d`<ul>${z(n.children)}</ul>`;case"bulletPoint":return d`<li>${z(n.children)}</li>`;case"actionButton":return d`<span class="action action-button" data-action=${n.action}>${z(n.children)}</span>`;case"actionLink":return d`<span class="action action-link" data-action=${n.action}>${z(n.children)}</span>`;case"customEmoji":return n.text;default:return u}}function Xr(n,e){let t=zs(n.url);if(!t)return d`<span class="file-card">${n.filename}</span>`;let s=e.bytes(n.size);switch(n.subtype){case"image":{let i=n.width??0,r=n.height??0,o=i>0&&r>0?`aspect-ratio: ${i} / ${r};`:"";return d`<a class="media" href=${t} target="_blank" rel="noopener noreferrer"
        ><img src=${t} alt=${n.filename} loading="lazy" decoding="async" style=${o}
      /></a>`}case"video":return d`<video class="media" src=${t} controls preload="metadata" aria-label=${n.filename}></video>`;case"audio":return d`<audio src=${t} controls preload="metadata" aria-label=${n.filename}></audio>`;case"voice":return d`<span class="voice"
        ><span class="muted">${e.strings.voiceMessage}</span
        ><audio src=${t} controls preload="metadata" aria-label=${e.strings.voiceMessage}></audio
      ></span>`;default:return d`<a class="file-card" href=${t} download=${n.filename} aria-label=${e.strings.download(n.filename,s)}>
        <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M14 3H6v18h12V7z" /><path d="M14 3v4h4" /></svg>
        <span class="file-name">${n.filename}</span><span class="muted file-size">${s}</span>
      </a>`}}function Yr(n,e){let t=n.toFixed(6),s=e.toFixed(6);return`https://www.openstreetmap.org/?mlat=${t}&mlon=${s}#map=16/${t}/${s}`}function Vs(n,e){return n.map(t=>{switch(t.type){case"text":return d`<div class="text">${z(t.children)}</div>`;case"file":return Xr(t,e);case"location":return d`<a class="location" href=${Yr(t.latitude,t.longitude)} target="_blank" rel="noopener noreferrer">
          <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M12 21s-7-6.2-7-11a7 7 0 0 1 14 0c0 4.8-7 11-7 11z" /><circle cx="12" cy="10" r="2.5" /></svg>
          ${e.strings.location} (${t.latitude.toFixed(5)}, ${t.longitude.toFixed(5)})
        </a>`;default:return u}})}function hi(n){let e=n.trim().split(/\s+/u).filter(Boolean),t=e[0]?[...e[0]][0]:"",s=e.length>1?[...e[e.length-1]??""][0]:"";return`${t??""}${s??""}`.toUpperCase()||"?"}function me(n,e,t={}){let s=zs(e),i=`--size: ${t.size??40}px`;return d`<span class="avatar" style=${i} aria-hidden="true"
    >${s?d`<img
          src=${s}
          alt=""
          loading="lazy"
          @error=${r=>{r.target.replaceWith(document.createTextNode(hi(n)))}}
        />`:hi(n)}${t.online?d`<span class="dot"></span>`:u}</span
  >`}function Gs(n,e){return n?.subject?n.subject:e.length>0?e.map(t=>t.name).join(", "):n?.id??""}var Jt=class extends C{static{this.styles=[P,I,E`
      :host {
        display: flex;
        align-items: center;
        gap: 10px;
        padding: 8px 12px;
        border-bottom: 1px solid var(--_border);
        background: var(--_bg);
        min-height: 56px;
      }
      .titles {
        flex: 1;
        min-width: 0;
        display: flex;
        flex-direction: column;
      }
      h2 {
        margin: 0;
        font-size: 16px;
        font-weight: 600;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .sub {
        font-size: 13px;
        color: var(--_muted);
      }
    `]}static{this.properties={ctx:{attribute:!1},conversationId:{attribute:!1},showBack:{attribute:!1},showClose:{attribute:!1}}}#e=new M(this);#t=new M(this);#s=new M(this);constructor(){super(),this.ctx=null,this.conversationId=null,this.showBack=!1,this.showClose=!1}willUpdate(e){(e.has("ctx")||e.has("conversationId"))&&(this.#e.followConversation(this.ctx,this.conversationId,(i,r)=>i.subscribe(r)),this.#t.followConversation(this.ctx,this.conversationId,(i,r)=>i.subscribeParticipants(r)));let t=this.#i(),s=this.ctx;this.#s.follow(t&&s?.options.presence?t.id:null,t&&s?i=>s.session.user(t.id).subscribeOnline(r=>i(r)):null)}#n(){let e=this.ctx?.me;return(this.#t.value??[]).map(t=>t.user).filter(t=>t.id!==e)}#i(){let e=this.#t.value;return!e||!this.#t.loadedAll||e.length>2?null:this.#n()[0]??null}render(){let e=this.ctx;if(!e||!this.conversationId)return u;let t=e.locale.strings,s=this.#e.value,i=this.#n(),r=this.#i(),o=Gs(s??{id:this.conversationId,subject:null},i),a=this.#s.value?.isConnected??!1,l=r&&!s?.photoUrl?r:null,c=r?e.options.presence?a?t.online:t.offline:"":this.#t.value?t.participants(this.#t.loadedAll?this.#t.value.length:i.length+1):"";return d`
      ${this.showBack?d`<button class="icon-button" aria-label=${t.back} title=${t.back} @click=${()=>this.#r("cw-back")}>
            <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M15 5l-7 7 7 7" /></svg>
          </button>`:u}
      ${me(o,l?l.photoUrl:s?.photoUrl??null,{size:38,online:a&&!!r})}
      <div class="titles">
        <h2>${o}</h2>
        ${c?d`<span class="sub">${c}</span>`:u}
      </div>
      <slot name="actions"></slot>
      ${this.showClose?d`<button class="icon-button" aria-label=${t.close} title=${t.close} @click=${()=>this.#r("cw-close")}>
            <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 6l12 12M18 6 6 18" /></svg>
          </button>`:u}
    `}#r(e){this.dispatchEvent(new CustomEvent(e,{bubbles:!0,composed:!0}))}},Qt=class extends C{static{this.styles=[P,E`
      :host {
        display: block;
        min-height: 20px;
        padding: 0 16px;
        font-size: 13px;
        color: var(--_muted);
      }
      .dots span {
        display: inline-block;
        width: 5px;
        height: 5px;
        margin-inline-end: 2px;
        border-radius: 50%;
        background: currentColor;
        animation: blink 1.2s infinite ease-in-out;
      }
      .dots span:nth-child(2) {
        animation-delay: 0.2s;
      }
      .dots span:nth-child(3) {
        animation-delay: 0.4s;
      }
      @keyframes blink {
        0%,
        80%,
        100% {
          opacity: 0.25;
        }
        40% {
          opacity: 1;
        }
      }
      @media (prefers-reduced-motion: reduce) {
        .dots span {
          animation: none;
        }
      }
    `]}static{this.properties={ctx:{attribute:!1},conversationId:{attribute:!1}}}#e=new M(this);constructor(){super(),this.ctx=null,this.conversationId=null}willUpdate(e){(e.has("ctx")||e.has("conversationId"))&&this.#e.followConversation(this.ctx,this.conversationId,(t,s)=>t.subscribeTyping(s))}render(){let e=this.ctx?.locale.strings.typing(this.#e.value??null)??"";return d`<div role="status" aria-live="polite">
      ${e?d`<span class="dots" aria-hidden="true"><span></span><span></span><span></span></span> ${e}`:u}
    </div>`}};var Jr=30,Qr=200;function Zr(n){let e=t=>({...t,hasMessages:!0});return n?Array.isArray(n)?["any",n[1].map(e)]:e(n):{hasMessages:!0}}var Zt=class extends C{static{this.styles=[P,I,E`
      :host {
        display: block;
      }
      button {
        display: flex;
        align-items: center;
        gap: 10px;
        width: 100%;
        padding: 10px 12px;
        text-align: start;
        border-radius: 10px;
      }
      button:hover {
        background: var(--_hover);
      }
      button[aria-current="true"] {
        background: color-mix(in srgb, var(--_accent) 14%, var(--_bg));
      }
      .text {
        flex: 1;
        min-width: 0;
        display: flex;
        flex-direction: column;
        gap: 2px;
      }
      .top,
      .bottom {
        display: flex;
        align-items: baseline;
        gap: 8px;
      }
      .title,
      .preview {
        flex: 1;
        min-width: 0;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .title {
        font-weight: 600;
      }
      .unread .title,
      .unread .preview {
        font-weight: 700;
        color: var(--_fg);
      }
      .preview,
      .when {
        font-size: 13px;
        color: var(--_muted);
      }
    `]}static{this.properties={ctx:{attribute:!1},conversation:{attribute:!1},selected:{attribute:!1}}}#e=new M(this);constructor(){super(),this.ctx=null,this.conversation=null,this.selected=!1}willUpdate(e){let t=this.conversation,s=t&&(!t.subject||!t.photoUrl);this.#e.followConversation(this.ctx,s?t.id:null,(i,r)=>i.subscribeParticipants(r))}focus(){this.renderRoot.querySelector("button")?.focus()}render(){let e=this.ctx,t=this.conversation;if(!e||!t)return u;let s=e.locale.strings,i=(this.#e.value??[]).map(h=>h.user).filter(h=>h.id!==e.me),r=Gs(t,i),o=this.#e.loadedAll&&(this.#e.value?.length??0)<=2,a=t.photoUrl??(o?i[0]?.photoUrl??null:null),l=t.lastMessage,c="";l&&(c=`${l.type==="SystemMessage"?"":l.sender?.id===e.me?`${s.you}: `:o?"":`${l.sender?.name??""}: `}${l.plaintext||s.attachment}`);let p=t.isUnread&&t.unreadMessageCount>0;return d`<button
      class=${p?"unread":""}
      aria-current=${this.selected?"true":"false"}
      @click=${()=>this.dispatchEvent(new CustomEvent("cw-select",{detail:{id:t.id},bubbles:!0,composed:!0}))}
    >
      ${me(r,a,{size:44})}
      <span class="text">
        <span class="top">
          <span class="title">${r}</span>
          ${l?d`<time class="when" datetime=${new Date(l.createdAt).toISOString()}>${e.locale.stamp(l.createdAt)}</time>`:u}
        </span>
        <span class="bottom">
          <span class="preview">${c}</span>
          ${p?d`<span class="badge" role="status" aria-label=${s.unread(t.unreadMessageCount)}>${t.unreadMessageCount}</span>`:u}
        </span>
      </span>
    </button>`}},es=class extends C{static{this.styles=[P,I,E`
      :host {
        display: flex;
        flex-direction: column;
        min-height: 0;
        height: 100%;
        background: var(--_bg);
      }
      header {
        padding: 12px 12px 8px;
        border-bottom: 1px solid var(--_border);
      }
      h2 {
        margin: 0 0 8px;
        font-size: 18px;
      }
      input {
        width: 100%;
        font: inherit;
        color: var(--_fg);
        background: var(--_panel);
        border: 1px solid var(--_border);
        border-radius: 10px;
        padding: 7px 10px;
      }
      input::placeholder {
        color: var(--_muted);
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 6px;
        overflow-y: auto;
        flex: 1;
        min-height: 0;
      }
      .status {
        color: var(--_muted);
        padding: 16px;
        text-align: center;
      }
      .sentinel {
        height: 1px;
      }
    `]}static{this.properties={ctx:{attribute:!1},selectedId:{attribute:!1},filter:{attribute:!1},showHeader:{attribute:!1}}}#e=new M(this);#t=null;#s="";#n=null;#i;#r=!1;#o=null;#a=!1;constructor(){super(),this.ctx=null,this.selectedId=null,this.filter=null,this.showHeader=!0}disconnectedCallback(){super.disconnectedCallback(),this.#o?.disconnect(),this.#o=null,clearTimeout(this.#i)}willUpdate(e){if(e.has("ctx")||e.has("filter")){let t=this.ctx,s=Zr(this.filter);this.#e.follow(t?`${t.me}\0${JSON.stringify(s)}`:null,t?i=>t.session.subscribeConversations({filter:s},(r,o)=>i(r,o)):null),this.#t=null,this.#n=null,this.#a=!1}}updated(){this.ready&&!this.#a&&(this.#a=!0,this.dispatchEvent(new CustomEvent("cw-list-loaded",{bubbles:!0,composed:!0})));let e=this.renderRoot.querySelector(".sentinel"),t=this.renderRoot.querySelector("ul");!e||!t||(this.#o??=new IntersectionObserver(s=>this.#l(s),{root:t,rootMargin:"0px 0px 400px 0px"}),this.#o.disconnect(),this.#o.observe(e))}get shown(){return this.#n??this.#e.value??[]}get ready(){return this.#e.value!==void 0}#l(e){if(!e.some(s=>s.isIntersecting)||this.#r||this.#n||this.#e.loadedAll||this.#e.value===void 0)return;let t=this.#e.subscription;t&&(this.#r=!0,t.loadMore(Jr).catch(()=>{}).finally(()=>{this.#r=!1,this.requestUpdate()}))}#c=e=>{if(this.#s=e.target.value,clearTimeout(this.#i),this.#s.trim()===""){this.#n=null,this.requestUpdate();return}this.#i=setTimeout(()=>this.#d(),Qr)};#d(){let e=this.ctx;if(!e)return;let t=this.#s;this.#t??=e.session.searchConversations(s=>{this.#s.trim()!==""&&(this.#n=s,this.requestUpdate())}),this.#t.setQuery(t).catch(()=>{})}#u=e=>{if(e.key!=="ArrowDown"&&e.key!=="ArrowUp")return;let t=[...this.renderRoot.querySelectorAll("cw-conversation-item")],s=t.findIndex(r=>r.matches(":focus-within")),i=t[Math.max(0,Math.min(t.length-1,s+(e.key==="ArrowDown"?1:-1)))];i&&(e.preventDefault(),i.focus())};#p=e=>d`${Kt([e,this.selectedId===e.id,this.ctx],()=>d`<li><cw-conversation-item .ctx=${this.ctx} .conversation=${e} .selected=${this.selectedId===e.id}></cw-conversation-item></li>`)}`;render(){let e=this.ctx;if(!e)return u;let t=e.locale.strings,s=this.shown,i=this.#n!==null;return d`
      ${this.showHeader?d`<header>
            <h2>${t.conversations}</h2>
            <input type="search" aria-label=${t.searchConversations} placeholder=${t.searchConversations} .value=${this.#s} @input=${this.#c} />
          </header>`:u}
      <ul aria-label=${t.conversations} @keydown=${this.#u}>
        ${Yt(s,r=>r.id,this.#p)}
        ${this.#e.value===void 0?d`<li class="status">${t.loading}</li>`:u}
        ${this.#e.value!==void 0&&s.length===0?d`<li class="status">${i?t.noResults:t.noConversations}</li>`:u}
        ${!i&&this.#e.value!==void 0&&!this.#e.loadedAll?d`<li class="sentinel" aria-hidden="true"></li>`:u}
      </ul>
    `}};var ui=640,ts=class extends C{constructor(){super();this.host_=new se(this);this.#e=null;this.conversationId=void 0,this.feedFilter=null,this.showFeedHeader=!0,this.theme="light",this.narrow=!1,this.addEventListener("cw-select",t=>{t.stopPropagation(),this.#t(t.detail.id,!0)}),this.addEventListener("cw-list-loaded",()=>this.#n()),this.addEventListener("cw-back",t=>{t.stopPropagation(),this.#t(null,!0)})}static{this.styles=[P,Ee,I,E`
      :host {
        display: flex;
        height: 100%;
        min-height: 0;
        background: var(--_bg);
        color: var(--_fg);
        border: 1px solid var(--_border);
        border-radius: var(--cw-frame-radius, 12px);
        overflow: hidden;
      }
      .list {
        width: min(340px, 40%);
        flex: none;
        border-inline-end: 1px solid var(--_border);
        min-height: 0;
      }
      .chat {
        flex: 1;
        min-width: 0;
        display: flex;
        flex-direction: column;
        min-height: 0;
      }
      :host([narrow]) .list {
        width: 100%;
        border-inline-end: 0;
      }
      :host([narrow]) .chat {
        width: 100%;
      }
    `]}static{this.properties={conversationId:{attribute:"conversation-id"},feedFilter:{attribute:!1},showFeedHeader:{attribute:!1},theme:{reflect:!0},narrow:{type:Boolean,reflect:!0}}}#e;set session(t){this.host_.session=t}get session(){return this.host_.session}get chatbox(){return this.renderRoot.querySelector("chinwag-chatbox")}connectedCallback(){super.connectedCallback(),this.#e=new ResizeObserver(t=>{let i=(t[0]?.contentRect.width??ui)<ui;i!==this.narrow&&(this.narrow=i)}),this.#e.observe(this)}disconnectedCallback(){super.disconnectedCallback(),this.#e?.disconnect()}select(t){this.conversationId=t,t!==void 0&&this.#s()}#t(t,s){if(s){let i=new CustomEvent("chinwag-select-conversation",{detail:{conversationId:t},cancelable:!0,bubbles:!0,composed:!0});if(t!==null&&!this.dispatchEvent(i))return}this.conversationId=t,this.#s()}#s(){this.updateComplete.then(()=>{if(this.dispatchEvent(new CustomEvent("chinwag-conversation-selected",{detail:{conversationId:this.conversationId??null},bubbles:!0,composed:!0})),this.narrow&&this.conversationId===null){let t=this.renderRoot.querySelector("cw-conversation-list");t?.updateComplete.then(()=>t.renderRoot.querySelector("input")?.focus())}})}#n(){if(this.conversationId!==void 0)return;let t=this.renderRoot.querySelector("cw-conversation-list");t?.ready&&(this.conversationId=this.narrow?null:t.shown[0]?.id??null,this.#s())}render(){let t=this.host_.ctx;if(!t)return u;let s=this.conversationId??null,i=!this.narrow||s===null,r=!this.narrow||s!==null;return d`
      ${i?d`<div class="list">
            <cw-conversation-list
              .ctx=${t}
              .selectedId=${s}
              .filter=${this.feedFilter}
              .showHeader=${this.showFeedHeader}
            ></cw-conversation-list>
          </div>`:u}
      ${r?d`<div class="chat">
            <chinwag-chatbox .ctx=${t} .conversationId=${s} .showBack=${this.narrow}></chinwag-chatbox>
          </div>`:u}
    `}};var pi="important",eo=" !"+pi,Ks=Te(class extends ne{constructor(n){if(super(n),n.type!==Gt.ATTRIBUTE||n.name!=="style"||n.strings?.length>2)throw Error("The `styleMap` directive must be used in the `style` attribute and must be the only part in the attribute.")}render(n){return Object.keys(n).reduce((e,t)=>{let s=n[t];return s==null?e:e+`${t=t.includes("-")?t:t.replace(/(?:^(webkit|moz|ms|o)|)(?=[A-Z])/g,"-$&").toLowerCase()}:${s};`},"")}update(n,[e]){let{style:t}=n.element;if(this.ft===void 0)return this.ft=new Set(Object.keys(e)),this.render(e);for(let s of this.ft)e[s]==null&&(this.ft.delete(s),s.includes("-")?t.removeProperty(s):t[s]=null);for(let s in e){let i=e[s];if(i!=null){this.ft.add(s);let r=typeof i=="string"&&i.endsWith(eo);s.includes("-")||r?t.setProperty(s,r?i.slice(0,-11):i,r?pi:""):t[s]=i}}return U}});var ss=class{#e=new Map;#t=0;#s=null;#n=0;#i=null;#r=!0;reset(){this.#s=null,this.#i=null,this.#r=!0}measure(e,t){let s=this.#e.get(e);s!==t&&(this.#t+=t-(s??0),this.#e.set(e,t))}get#o(){return this.#e.size===0?64:this.#t/this.#e.size}height(e){return this.#e.get(e)??this.#o}range(e){let t=e.length,s=this.#s===null?-1:e.indexOf(this.#s);if(s<0&&this.#s!==null&&(s=Math.min(this.#n,Math.max(0,t-1)),this.#s=e[s]??null),s<0){let r=Math.max(0,t-60);return this.#a(e,r,t),{lo:r,hi:t}}this.#n=s;let i=this.#r||this.#i===null?t:e.indexOf(this.#i)+1;return i<=s?(this.#a(e,s,t),{lo:s,hi:t}):{lo:s,hi:i}}span(e,t,s){let i=0;for(let r=t;r<s;r++)i+=this.height(e[r]);return i}scrolledTo(e,t,s,i){let r=e.length;if(r===0)return!1;let o=Math.max(1,i-s),a=s-.75*o,l=i+.75*o,c=this.span(e,0,t.lo),p=c+this.span(e,t.lo,t.hi),h=t.lo===0||c<=a,f=t.hi===r||p>=l;if(h&&f)return!1;let g=s-2*o,y=i+2*o,m=0,R=0;for(;m<r&&R+this.height(e[m])<=g;)R+=this.height(e[m]),m++;let v=m;for(;v<r&&R<y;)R+=this.height(e[v]),v++;return v=Math.max(v,Math.min(r,m+1)),m===t.lo&&v===t.hi?!1:(this.#a(e,m,v),!0)}reveal(e,t,s=30){let i=e.length;this.#a(e,Math.max(0,t-s),Math.min(i,t+s+1))}toLatest(e){this.#a(e,Math.max(0,e.length-60),e.length)}#a(e,t,s){this.#s=e[t]??null,this.#n=t,this.#r=s>=e.length,this.#i=this.#r?null:e[s-1]??null}};var to=30,so=5*6e4,no=["👍","❤️","😂","😮","😢","🙏","🎉","👀"],fi=new WeakMap;function gi(n){let e=fi.get(n);return e===void 0&&(e=Ae(n.createdAt),fi.set(n,e)),e}var ns=class extends C{static{this.styles=[P,I,E`
      :host {
        display: flex;
        flex-direction: column;
        min-height: 0;
        flex: 1;
        position: relative;
      }
      .scroller {
        flex: 1;
        min-height: 0;
        overflow-y: auto;
        overscroll-behavior: contain;
        display: flex;
        flex-direction: column-reverse;
      }
      .log {
        display: flow-root;
        position: relative;
        padding: 8px 12px 4px;
      }
      .toolbar {
        position: absolute;
        inset-inline: 12px;
        height: 0;
        z-index: 1;
      }
      .row {
        display: flex;
        gap: 8px;
        align-items: flex-end;
        position: relative;
        padding: 1px 0;
        margin-top: 2px;
      }
      .row.grouped-start {
        margin-top: 8px;
      }
      .row.mine {
        flex-direction: row-reverse;
      }
      .row:focus-visible {
        outline: 2px solid var(--_focus);
        outline-offset: -2px;
        border-radius: 8px;
      }
      .gutter {
        width: 32px;
        flex: none;
      }
      .body {
        display: flex;
        flex-direction: column;
        max-width: min(75%, 560px);
        min-width: 0;
      }
      .mine .body {
        align-items: flex-end;
      }
      .sender {
        font-size: 13px;
        font-weight: 600;
        color: var(--_muted);
        margin: 0 10px 2px;
      }
      .bubble {
        background: var(--_bubble);
        color: var(--_bubble-fg);
        border-radius: var(--_radius);
        padding: 7px 11px 5px;
        overflow-wrap: anywhere;
        min-width: 0;
        max-width: 100%;
      }
      .mine .bubble {
        background: var(--_bubble-me);
        color: var(--_bubble-me-fg);
      }
      .mine .bubble a {
        color: inherit;
      }
      .bubble a {
        color: var(--_accent);
      }
      .text {
        white-space: pre-wrap;
        line-height: 1.4;
      }
      .text ul {
        margin: 2px 0;
        padding-inline-start: 20px;
        white-space: normal;
      }
      code {
        font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
        font-size: 0.92em;
        background: color-mix(in srgb, currentColor 12%, transparent);
        border-radius: 4px;
        padding: 0 3px;
        white-space: pre-wrap;
      }
      .mention {
        font-weight: 600;
      }
      .action {
        display: inline-block;
        border: 1px solid currentColor;
        border-radius: 6px;
        padding: 0 6px;
        opacity: 0.85;
      }
      .media {
        display: block;
        max-width: 100%;
        margin: 2px 0;
      }
      .media img,
      video.media {
        display: block;
        max-width: min(100%, 320px);
        max-height: 320px;
        width: auto;
        height: auto;
        border-radius: calc(var(--_radius) - 6px);
      }
      audio {
        max-width: 100%;
      }
      .voice {
        display: flex;
        flex-direction: column;
        gap: 2px;
      }
      .file-card,
      .location {
        display: flex;
        align-items: center;
        gap: 8px;
        text-decoration: none;
        padding: 4px 0;
      }
      .file-name {
        font-weight: 600;
        overflow: hidden;
        text-overflow: ellipsis;
      }
      .meta {
        display: flex;
        justify-content: flex-end;
        align-items: center;
        gap: 4px;
        font-size: 11px;
        opacity: 0.8;
        margin-top: 2px;
      }
      .meta svg {
        width: 14px;
        height: 14px;
      }
      .quote {
        display: block;
        text-align: start;
        width: 100%;
        border-inline-start: 3px solid currentColor;
        padding: 2px 8px;
        margin: 2px 0 4px;
        font-size: 13px;
        opacity: 0.85;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .system {
        justify-content: center;
      }
      .system .bubble,
      .welcome-system {
        background: var(--_system);
        color: var(--_system-fg);
        font-size: 13px;
        text-align: center;
        max-width: 90%;
        border-radius: 10px;
        padding: 6px 12px;
      }
      .welcome-system {
        width: fit-content;
        margin: 6px auto;
      }
      .day {
        text-align: center;
        font-size: 12px;
        font-weight: 600;
        color: var(--_muted);
        padding: 10px 0 6px;
      }
      .reactions {
        display: flex;
        flex-wrap: wrap;
        gap: 4px;
        margin-top: 3px;
      }
      .chip {
        display: inline-flex;
        align-items: center;
        gap: 3px;
        border: 1px solid var(--_border);
        background: var(--_bg);
        border-radius: 12px;
        padding: 1px 7px;
        font-size: 13px;
      }
      .chip[aria-pressed="true"] {
        border-color: var(--_accent);
        background: color-mix(in srgb, var(--_accent) 14%, var(--_bg));
      }
      .actions {
        position: absolute;
        top: -14px;
        inset-inline-end: 44px;
        z-index: 1;
        display: flex;
        gap: 2px;
        background: var(--_bg);
        border: 1px solid var(--_border);
        border-radius: 8px;
        padding: 1px;
      }
      .actions button {
        min-width: 30px;
        min-height: 30px;
        border-radius: 6px;
        font-size: 13px;
        padding: 0 6px;
      }
      .actions button:hover {
        background: var(--_hover);
      }
      .toolbar.mine .actions {
        inset-inline-end: auto;
        inset-inline-start: 8px;
      }
      .actions .danger {
        color: var(--_danger);
      }
      .picker {
        display: flex;
        flex-wrap: wrap;
        gap: 2px;
      }
      .status {
        text-align: center;
        color: var(--_muted);
        font-size: 13px;
        padding: 8px;
      }
      .sentinel {
        height: 1px;
      }
      .unit {
        display: flow-root;
      }
      /* What sits above the oldest row must never be the scroll anchor: rows
         loaded above it would then push the rows on screen down. */
      .sentinel,
      .spacer,
      .status,
      .welcome,
      .welcome-system,
      .toolbar {
        overflow-anchor: none;
      }
      .highlight .bubble {
        outline: 2px solid var(--_accent);
      }
      @media (max-width: 480px) {
        .body {
          max-width: 85%;
        }
        .gutter {
          display: none;
        }
      }
    `]}static{this.properties={ctx:{attribute:!1},conversationId:{attribute:!1}}}#e=new M(this);#t=new M(this);#s=new M(this);#n=null;#i=null;#r=null;#o=null;#a=!1;#l=null;#c=null;#d=!1;#u=null;#p=new ss;#h=null;#m=!1;constructor(){super(),this.ctx=null,this.conversationId=null}connectedCallback(){super.connectedCallback(),window.addEventListener("focus",this.#f),document.addEventListener("visibilitychange",this.#f),this.#c=new IntersectionObserver(e=>{this.#d=e.some(t=>t.isIntersecting),this.#f()}),this.#c.observe(this)}disconnectedCallback(){super.disconnectedCallback(),window.removeEventListener("focus",this.#f),document.removeEventListener("visibilitychange",this.#f),this.#c?.disconnect(),this.#l?.disconnect(),this.#l=null}willUpdate(e){if(e.has("ctx")||e.has("conversationId")){let{ctx:t,conversationId:s}=this;this.#e.followConversation(t,s,(i,r)=>i.subscribeMessages(r)),this.#t.followConversation(t,s,(i,r)=>i.subscribe(r)),this.#s.followConversation(t,s,(i,r)=>i.subscribeParticipants(r)),this.#n=null,this.#i=null,this.#u=null,this.#p.reset()}}updated(){let e=this.renderRoot.querySelector(".sentinel"),t=this.renderRoot.querySelector(".scroller");e&&t&&(this.#l||(this.#l=new IntersectionObserver(s=>this.#b(s),{root:t,rootMargin:"600px 0px 0px 0px"})),this.#l.disconnect(),this.#l.observe(e)),this.#y(),this.#f(),this.#g()}scrollToLatest(){this.#h&&this.#h.range.hi<this.#h.ids.length&&(this.#p.toLatest(this.#h.ids),this.requestUpdate());let e=this.renderRoot.querySelector(".scroller");e&&(e.scrollTop=0)}#g(){let e=this.#h,t=this.renderRoot.querySelector(".scroller"),s=this.renderRoot.querySelector(".spacer");if(!e||!t||!s)return;for(let o of this.renderRoot.querySelectorAll(".unit"))o.dataset.unit&&this.#p.measure(o.dataset.unit,o.offsetHeight);let i=s.getBoundingClientRect().top,r=t.getBoundingClientRect();this.#p.scrolledTo(e.ids,e.range,r.top-i,r.bottom-i)&&this.requestUpdate()}#b(e){if(!e.some(s=>s.isIntersecting)||this.#e.loadedAll||this.#a||this.#e.value===void 0)return;let t=this.#e.subscription;t&&(this.#a=!0,this.requestUpdate(),t.loadMore(to).catch(()=>{}).finally(()=>{this.#a=!1,this.requestUpdate()}))}#f=()=>{let e=this.#t.value,t=this.ctx;if(!e||!t||!e.isUnread||!this.#d||document.visibilityState!=="visible"||!document.hasFocus())return;let s=this.renderRoot.querySelector(".scroller");if(s&&s.scrollTop<-150)return;let i=`${e.id}\0${e.lastMessage?.id??""}\0${e.unreadMessageCount}`;this.#u!==i&&(this.#u=i,t.session.conversation(e.id).markAsRead().catch(()=>{this.#u=null}))};#v=()=>{this.#f(),!this.#m&&(this.#m=!0,requestAnimationFrame(()=>{this.#m=!1,this.#g()}))};#C(){let e=this.#s.value;return e?!this.#s.loadedAll||e.length>2:!1}#x(e,t){this.dispatchEvent(new CustomEvent(e,{detail:{message:t},bubbles:!0,composed:!0}))}#S(e){this.#n!==e&&(this.#n=e,this.#i!==e&&(this.#i=null),this.#r!==e&&(this.#r=null),this.#y())}#A=e=>{let t=e.target.closest?.(".row[data-id]");t?this.#S(t.dataset.id??null):e.type==="mouseover"&&!e.target.closest?.(".toolbar")&&this.#S(null)};#y(){let e=this.renderRoot.querySelector(".toolbar");if(!e)return;let t=this.#n,s=t?this.#e.value?.find(o=>o.id===t):void 0,i=t?this.renderRoot.querySelector(`.row[data-id="${CSS.escape(t)}"]`):null;if(!s||!i||s.type==="SystemMessage"||!this.ctx){Ye(u,e),e.hidden=!0;return}let r=s.sender?.id===this.ctx.me;e.hidden=!1,e.classList.toggle("mine",r),e.style.top=`${i.offsetTop}px`,Ye(this.#U(s,r),e)}#k(e,t){let s=this.ctx;if(!s||!this.conversationId)return;let i=e.reactions.find(o=>o.emoji===t)?.currentUserReacted??!1,r=s.session.conversation(this.conversationId).message(e.id).reactions(t);(i?r.remove():r.add()).catch(o=>this.#T(o)),this.#i=null,this.#y()}#$(e){let t=this.ctx;if(!(!t||!this.conversationId)){if(this.#r!==e.id){this.#r=e.id,this.#y();return}this.#r=null,t.session.conversation(this.conversationId).message(e.id).delete().catch(s=>this.#T(s))}}#T(e){this.dispatchEvent(new CustomEvent("cw-error",{detail:{error:e},bubbles:!0,composed:!0}))}async#I(e){let t=this.#h?.ids.indexOf(e)??-1;this.#h&&t>=0&&(t<this.#h.range.lo||t>=this.#h.range.hi)&&(this.#p.reveal(this.#h.ids,t),this.requestUpdate(),await this.updateComplete);let s=this.renderRoot.querySelector(`[data-id="${CSS.escape(e)}"]`);s&&(s.scrollIntoView({block:"center"}),s.focus({preventScroll:!0}),this.#o=e,this.requestUpdate(),setTimeout(()=>{this.#o===e&&(this.#o=null,this.requestUpdate())},1500))}#w=e=>{let t=e.target,s=t.closest?.(".row");if(e.key==="Escape"){(this.#i||this.#r)&&(this.#i=null,this.#r=null,this.#y(),s?.focus());return}if(!["ArrowUp","ArrowDown","Home","End"].includes(e.key)||t.tagName==="VIDEO"||t.tagName==="AUDIO")return;let i=this.#h;if(i&&(e.key==="Home"?i.range.lo>0:e.key==="End"&&i.range.hi<i.ids.length)){e.preventDefault(),e.key==="Home"?this.#p.reveal(i.ids,0):this.#p.toLatest(i.ids),this.requestUpdate(),this.updateComplete.then(()=>{let c=this.renderRoot.querySelectorAll(".row[data-id]");(e.key==="Home"?c[0]:c[c.length-1])?.focus()});return}let r=[...this.renderRoot.querySelectorAll(".row[data-id]")];if(r.length===0)return;e.preventDefault();let o=s?r.indexOf(s):-1,a=r.length-1,l;e.key==="Home"?l=r[0]:e.key==="End"||o<0?l=r[a]:l=r[Math.min(a,Math.max(0,o+(e.key==="ArrowUp"?-1:1)))],l?.focus()};#R(e,t,s,i,r){let o=this.ctx,a=o.locale.strings,l=s?d`<div class="day" role="separator" aria-label=${o.locale.day(e.createdAt)}>${o.locale.day(e.createdAt)}</div>`:u;if(e.type==="SystemMessage")return d`${l}<div class="row system" data-id=${e.id} tabindex="-1" role="article" aria-label=${a.system}>
          <div class="body"><div class="bubble">${Vs(e.content,o.locale)}</div></div>
        </div>`;let c=e.sender,p=c?.id===o.me,h=s||!t||t.type==="SystemMessage"||t.sender?.id!==c?.id||e.createdAt-t.createdAt>so,f=c?.name??"",g=`${p?a.you:f}, ${o.locale.time(e.createdAt)}`,y=`row${p?" mine":""}${h?" grouped-start":""}${this.#o===e.id?" highlight":""}`;return d`${l}<div
        class=${y}
        data-id=${e.id}
        tabindex="-1"
        role="article"
        aria-label=${g}
      >
        ${p?u:d`<span class="gutter">${h&&c?me(f,c.photoUrl,{size:32}):u}</span>`}
        <div class="body">
          ${i&&!p&&h&&c?d`<span class="sender">${f}</span>`:u}
          <div class="bubble">
            ${e.referencedMessage?this.#_(e.referencedMessage):u}
            ${Vs(e.content,o.locale)}
            <div class="meta">
              ${e.editedAt?d`<span>${a.edited}</span>`:u}
              <time datetime=${new Date(e.createdAt).toISOString()}>${o.locale.time(e.createdAt)}</time>
              ${p?io(r,r?a.read:a.sent):u}
            </div>
          </div>
          ${e.reactions.length>0?this.#M(e):u}
        </div>
      </div>`}#_(e){let t=e.plaintext.length>140?`${e.plaintext.slice(0,140)}…`:e.plaintext;return d`<button class="quote" @click=${()=>{this.#I(e.id)}}>${e.sender.name}: ${t}</button>`}#M(e){let t=this.ctx.locale.strings;return d`<div class="reactions">
      ${e.reactions.map(s=>d`<button
          class="chip"
          aria-pressed=${s.currentUserReacted?"true":"false"}
          aria-label=${t.reactionCount(s.emoji,s.count,s.currentUserReacted)}
          @click=${()=>this.#k(e,s.emoji)}
        >
          <span aria-hidden="true">${s.emoji}</span><span aria-hidden="true">${s.count}</span>
        </button>`)}
    </div>`}#U(e,t){let s=this.ctx.locale.strings;if(this.#i===e.id)return d`<div class="actions picker" role="group" aria-label=${s.react}>
        ${no.map(r=>d`<button aria-label=${s.reactWith(r)} @click=${()=>this.#k(e,r)}>${r}</button>`)}
      </div>`;let i=this.#t.value?.access==="Read";return d`<div class="actions" role="group" aria-label=${s.messageActions}>
      ${i?u:d`<button
              aria-label=${s.react}
              title=${s.react}
              @click=${()=>{this.#i=e.id,this.#y()}}
            >
              <svg viewBox="0 0 24 24" aria-hidden="true"><circle cx="12" cy="12" r="9" /><path d="M8.5 14.5a4 4 0 0 0 7 0M9 9.5h.01M15 9.5h.01" /></svg>
            </button>
            <button aria-label=${s.reply} title=${s.reply} @click=${()=>this.#x("cw-reply",e)}>
              <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M9 14 4 9l5-5" /><path d="M4 9h10a6 6 0 0 1 6 6v4" /></svg>
            </button>`}
      ${t&&!i?d`<button aria-label=${s.edit} title=${s.edit} @click=${()=>this.#x("cw-edit",e)}>
              <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 20h4L19 9l-4-4L4 16z" /></svg>
            </button>
            <button class="danger" aria-label=${this.#r===e.id?s.deletedConfirm:s.delete} title=${s.delete} @click=${()=>this.#$(e)}>
              ${this.#r===e.id?s.deletedConfirm:d`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13" /></svg>`}
            </button>`:u}
    </div>`}#P(e,t){let s=this.ctx,i=[];for(let r of e?.welcomeMessages??[])i.push(d`<div class="welcome-system" role="note">${r}</div>`);if(!t){let r=(this.#s.value??[]).map(o=>o.user).filter(o=>o.id!==s.me);for(let o of r)o.welcomeMessage&&i.push(this.#E(o,o.welcomeMessage))}return i}#E(e,t){return d`<div class="row welcome grouped-start" role="note" aria-label=${e.name}>
      <span class="gutter">${me(e.name,e.photoUrl,{size:32})}</span>
      <div class="body"><div class="bubble"><div class="text">${t}</div></div></div>
    </div>`}render(){let e=this.ctx;if(!e||!this.conversationId)return u;let t=e.locale.strings,s=this.#e.value,i=this.#t.value;if(s===null||i===null)return d`<div class="scroller">
        <div class="log" role="log" aria-label=${t.messages}><p class="status">${t.notFound}</p></div>
      </div>`;let r=s??[],o=this.#e.loadedAll,a=this.#C(),l=i?.everyoneReadUntil??0,c=this.#o,p=r.slice().reverse(),h=p.map(m=>m.id),f=this.#p.range(h);this.#h={ids:h,range:f};let g=this.#p.span(h,0,f.lo),y=this.#p.span(h,f.hi,h.length);return d`<div
      class="scroller"
      @scroll=${this.#v}
      @keydown=${this.#w}
      @mouseleave=${()=>this.#S(null)}
      @mouseover=${this.#A}
      @focusin=${this.#A}
    >
      <div
        class="log"
        role="log"
        aria-label=${t.messages}
        aria-busy=${s===void 0||this.#a?"true":"false"}
        tabindex="0"
      >
        ${o?this.#P(i,a):u}
        ${s===void 0||this.#a?d`<p class="status">${s===void 0?t.loading:t.loadingOlder}</p>`:u}
        ${o||s===void 0?u:d`<div class="sentinel"></div>`}
        <div class="spacer" style=${Ks({height:`${g}px`})}></div>
        ${Yt(p.slice(f.lo,f.hi),m=>m.id,(m,R)=>{let v=p[f.lo+R-1],G=v?gi(v)!==gi(m):o,K=m.createdAt<=l;return d`<div class="unit" data-unit=${m.id}>${Kt([m,v?.sender?.id,v?.createdAt,v?.type,G,a,K,c===m.id],()=>this.#R(m,v,G,a,K))}</div>`})}
        <div class="spacer" style=${Ks({height:`${y}px`})}></div>
        <div class="toolbar" hidden></div>
      </div>
    </div>`}};function io(n,e){return d`<svg viewBox="0 0 24 24" role="img" aria-label=${e}>
    ${n?d`<path d="m2 13 4 4 8-9" /><path d="m10 16 1 1 9-10" />`:d`<path d="m5 13 4 4 10-11" />`}
  </svg>`}var is=class extends C{constructor(){super();this.host_=new se(this);this.#e=new M(this);this.conversationId=null,this.open=!1,this.launcher="always",this.theme="light",this.addEventListener("cw-close",t=>{t.stopPropagation(),this.#t(!1,!0)}),this.addEventListener("keydown",t=>{t.key==="Escape"&&this.open&&(this.#t(!1,!0),this.renderRoot.querySelector(".launcher")?.focus())})}static{this.styles=[P,Ee,I,E`
      :host {
        position: fixed;
        inset-inline-end: 20px;
        bottom: 20px;
        z-index: var(--cw-z-index, 2147483000);
        display: flex;
        flex-direction: column;
        align-items: flex-end;
        gap: 12px;
        pointer-events: none;
      }
      .panel {
        pointer-events: auto;
        width: min(380px, calc(100vw - 40px));
        height: min(600px, calc(100vh - 110px));
        border-radius: 16px;
        overflow: hidden;
        box-shadow: 0 12px 40px rgba(0, 0, 0, 0.25);
        border: 1px solid var(--_border);
        background: var(--_bg);
        display: flex;
      }
      .panel[hidden] {
        display: none;
      }
      chinwag-chatbox {
        flex: 1;
      }
      .launcher {
        pointer-events: auto;
        position: relative;
        width: 56px;
        height: 56px;
        border-radius: 50%;
        background: var(--_accent);
        color: var(--_accent-fg);
        display: grid;
        place-items: center;
        box-shadow: 0 6px 20px rgba(0, 0, 0, 0.25);
      }
      .launcher svg {
        width: 26px;
        height: 26px;
      }
      .launcher .badge {
        position: absolute;
        top: -4px;
        inset-inline-end: -4px;
      }
      @media (max-width: 480px) {
        :host {
          inset-inline-end: 10px;
          bottom: 10px;
        }
        .panel {
          width: calc(100vw - 20px);
          height: calc(100vh - 96px);
        }
      }
    `]}static{this.properties={conversationId:{attribute:"conversation-id"},open:{type:Boolean,reflect:!0},launcher:{},theme:{reflect:!0}}}#e;set session(t){this.host_.session=t}get session(){return this.host_.session}get chatbox(){return this.renderRoot.querySelector("chinwag-chatbox")}show(){this.open=!0}hide(){this.open=!1}#t(t,s){t!==this.open&&(this.open=t,s&&this.dispatchEvent(new CustomEvent(t?"chinwag-open":"chinwag-close",{bubbles:!0,composed:!0})))}willUpdate(t){this.#e.followConversation(this.host_.ctx,this.conversationId,(s,i)=>s.subscribe(i))}updated(t){t.has("open")&&this.open&&this.chatbox?.updateComplete.then(()=>this.chatbox?.composer?.focus())}render(){let t=this.host_.ctx;if(!t)return u;let s=t.locale.strings,i=this.#e.value,r=i?.isUnread?i.unreadMessageCount:0,o=this.launcher==="always"||this.launcher==="close-only"&&this.open;return d`
      <div class="panel" role="dialog" aria-label=${s.messages} ?hidden=${!this.open}>
        ${this.open||this.chatbox?d`<chinwag-chatbox .ctx=${t} .conversationId=${this.conversationId} .showClose=${!0}></chinwag-chatbox>`:u}
      </div>
      ${o?d`<button
            class="launcher"
            aria-expanded=${this.open?"true":"false"}
            aria-label=${this.open?s.close:r>0?`${s.openChat}, ${s.unread(r)}`:s.openChat}
            @click=${()=>this.#t(!this.open,!0)}
          >
            ${this.open?d`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 6l12 12M18 6 6 18" /></svg>`:d`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 5h16v11H9l-5 4z" /></svg>`}
            ${r>0&&!this.open?d`<span class="badge" aria-hidden="true">${r}</span>`:u}
          </button>`:u}
    `}};var mi="0.1.0",ro=[["cw-message-list",ns],["cw-composer",Vt],["cw-chat-header",Jt],["cw-typing",Qt],["cw-conversation-item",Zt],["cw-conversation-list",es],["chinwag-chatbox",zt],["chinwag-inbox",ts],["chinwag-popup",is]];function vi(){if(!(typeof customElements>"u"))for(let[n,e]of ro){let t=customElements.get(n);if(t){t.chinwagVersion!==mi&&console.warn(`chinwag: <${n}> is already defined (version ${t.chinwagVersion??"unknown"}); keeping it`);continue}Object.defineProperty(e,"chinwagVersion",{value:mi}),customElements.define(n,e)}}var ve=class{#e;constructor(e){if(typeof e=="string"||typeof e=="number"){this.id=String(e),this.#e=!1,this.name=void 0,this.email=this.phone=this.photoUrl=this.welcomeMessage=this.role=this.locale=void 0,this.custom=this.availabilityText=void 0;return}let t=e;if(t===null||typeof t!="object"||t.id===void 0||t.id===null)throw new V(0,"new Talk.User: give an id, or an object with an id and a name");this.id=String(t.id),this.#e=!0,this.name=t.name,this.email=t.email,this.phone=t.phone,this.photoUrl=t.photoUrl,this.welcomeMessage=t.welcomeMessage,this.role=t.role??t.configuration,this.custom=t.custom,this.locale=t.locale,this.availabilityText=t.availabilityText,this.role===void 0&&console.warn(`Talk.User ${this.id}: no role given; the user gets the app's default role`)}syncParams(e){if(!this.#e)return null;let t={};return this.name!==void 0&&(t.name=String(this.name)),e&&this.email!==void 0&&(t.email=this.email),e&&this.phone!==void 0&&(t.phone=this.phone),this.photoUrl!==void 0&&(t.photoUrl=this.photoUrl||null),this.welcomeMessage!==void 0&&(t.welcomeMessage=this.welcomeMessage||null),this.role!==void 0&&(t.role=this.role),this.custom!==void 0&&(t.custom=this.custom),this.locale!==void 0&&(t.locale=this.locale),t}},V=class extends Error{constructor(e,t){super(t),this.name="TalkError",this.code=e}};function yi(n){return{id:n.id,name:n.name,custom:n.custom,locale:n.locale,photoUrl:n.photoUrl,role:n.role,welcomeMessage:n.welcomeMessage}}function Ys(n,e){return{id:n.id,subject:n.subject,photoUrl:n.photoUrl,custom:n.custom,welcomeMessages:n.welcomeMessages.length>0?n.welcomeMessages:null,participants:{[e]:{access:n.access}}}}function wi(n,e,t){let s=n.content.find(r=>r.type==="file"),i=n.content.find(r=>r.type==="location");return{id:n.id,conversation:Ys(e,t),isByMe:n.sender?.id===t,senderId:n.sender?.id??null,sender:n.sender?yi(n.sender):null,body:n.plaintext,type:i?"location":s?"media":"text",timestamp:n.createdAt,read:n.createdAt<=e.readUntil,origin:n.origin,custom:n.custom,attachment:s&&s.type==="file"?{url:s.url,size:s.size}:null,location:i&&i.type==="location"?[i.latitude,i.longitude]:null}}var Je=class{#e=new Map;add(e,t){let s=this.#e.get(e);return s||(s=new Set,this.#e.set(e,s)),s.add(t),{unsubscribe:()=>s?.delete(t)}}remove(e,t){t?this.#e.get(e)?.delete(t):this.#e.delete(e)}emit(e,...t){for(let s of[...this.#e.get(e)??[]])try{s(...t)}catch(i){console.error(i)}}has(e){return(this.#e.get(e)?.size??0)>0}},be=class{constructor(e,t){this.subject=void 0;this.photoUrl=void 0;this.custom=void 0;this.welcomeMessages=void 0;this.#t=new Map;this.#e=e,this.id=t}#e;#t;setParticipant(e,t={}){if(!(e instanceof ve))throw new V(0,"setParticipant: give a Talk.User");this.#t.set(e.id,{user:e,settings:{...t}})}setAttributes(e){e.subject!==void 0&&(this.subject=e.subject),e.photoUrl!==void 0&&(this.photoUrl=e.photoUrl),e.custom!==void 0&&(this.custom=e.custom===null?null:{...this.custom??{},...e.custom}),e.welcomeMessages!==void 0&&(this.welcomeMessages=e.welcomeMessages)}async sync(){let e=this.#e.core,t=e.currentUser.id,s=[...this.#t.values()].map(a=>a.user).filter(a=>a.id!==t);await Promise.all(s.map(a=>{let l=a.syncParams(!1);return l?e.user(a.id).set(l):Promise.resolve()}));let i=e.conversation(this.id),r={};this.subject!==void 0&&(r.subject=this.subject),this.photoUrl!==void 0&&(r.photoUrl=this.photoUrl),this.custom!==void 0&&(r.custom=this.custom),this.welcomeMessages!==void 0&&(r.welcomeMessages=this.welcomeMessages);let o=this.#t.get(t);(o||Object.keys(r).length>0)&&await i.set({...r,...o?.settings??{}}),await Promise.all([...this.#t.entries()].filter(([a])=>a!==t).map(([a,l])=>i.participant(a).set(l.settings)))}async sendMessage(e,t={}){await this.sync(),await this.#e.core.conversation(this.id).send({text:e,...t.custom?{custom:t.custom}:{}})}async leave(){let e=this.#e.core;try{return await e.conversation(this.id).participant(e.currentUser.id).delete(),!0}catch{return!1}}},oo=5e3,Qe=class{constructor(e,t,s){this.handlers=new Je;this.#e=!0;this.#t=null;this.#s=null;this.session=e,this.el=t,t.session=s,s.beforeSend=i=>this.#r(i)}#e;#t;#s;get isAlive(){return this.#e}get currentConversation(){return this.#t?Ys(this.#t,this.session.core.currentUser.id):null}async select(e,t={}){let s;e instanceof be?(await e.sync().catch(i=>console.error(`Chinwag: could not synchronise conversation ${e.id}:`,i)),s=e.id):typeof e=="string"?s=e:e===null?s=null:e===void 0?s=void 0:s=String(e.id),this.#n(s??null),this.display(s)}#n(e){this.#s?.unsubscribe(),this.#s=null,this.#t=null,e&&(this.#s=this.session.core.conversation(e).subscribe(t=>{this.#t=t}))}async mount(e){let t=e&&!(e instanceof HTMLElement)&&"length"in e&&typeof e.length=="number"?e[0]:e;if(!(t instanceof HTMLElement))throw new V(0,"mount: give a page element to mount into");t.replaceChildren(this.el),await this.el.updateComplete}destroy(){this.#e=!1,this.#s?.unsubscribe(),this.el.remove(),this.session.forget(this)}get messageField(){let e=()=>this.chatbox?.composer??null;return{focus:()=>e()?.focus(),setText:t=>e()?.setText(t),typeText:t=>e()?.setText((e()?.text??"")+t),getText:()=>e()?.text??"",setVisible:t=>{let s=this.chatbox?.ctx;s&&(s.options.messageField.visible=t!==!1,this.chatbox?.requestUpdate())}}}onSendMessage(e){return this.handlers.add("sendMessage",e)}onFocus(e){return this.#i("focusin",e)}onBlur(e){return this.#i("focusout",e)}#i(e,t){let s=()=>t();return this.el.addEventListener(e,s),{unsubscribe:()=>this.el.removeEventListener(e,s)}}on(e,t){e==="focus"?this.onFocus(t):e==="blur"?this.onBlur(t):this.handlers.add(e,t)}off(e,t){this.handlers.remove(e,t)}async#r(e){if(!this.handlers.has("sendMessage"))return;let t=this.session.core.currentUser.id,s,i={message:{id:void 0,conversationId:e.conversationId,type:"UserMessage",readBy:[],senderId:t,text:e.text,attachment:void 0,location:void 0},me:this.session.meSnapshot??{id:t},conversation:this.currentConversation??{id:e.conversationId},override:a=>{s=a}};if(this.handlers.emit("sendMessage",i),!s)return;let r=typeof s=="function"?s():s,o=new Promise(a=>setTimeout(()=>a(void 0),oo));return await Promise.race([Promise.resolve(r).catch(()=>{}),o])??void 0}},Pe=class extends Qe{display(e){this.el.conversationId=e??null}get chatbox(){return this.el}},Ie=class extends Qe{constructor(e,t,s){super(e,t,s),t.addEventListener("chinwag-select-conversation",i=>{let r=i.detail.conversationId;if(r===null)return;let o={me:e.meSnapshot??{id:e.core.currentUser.id},conversation:{id:r},participants:[],others:[],preventDefault:()=>i.preventDefault()};this.handlers.emit("selectConversation",o)}),t.addEventListener("chinwag-conversation-selected",i=>{let r=i.detail.conversationId;this.handlers.emit("conversationSelected",{me:e.meSnapshot??{id:e.core.currentUser.id},conversation:r===null?null:{id:r},participants:[],others:[]})})}display(e){this.el.select(e)}get chatbox(){return this.el.chatbox}onSelectConversation(e){return this.handlers.add("selectConversation",e)}onConversationSelected(e){return this.handlers.add("conversationSelected",e)}setFeedFilter(e){this.el.feedFilter=e??null}},Re=class extends Qe{constructor(e,t,s){super(e,t,s),t.addEventListener("chinwag-open",()=>this.handlers.emit("open")),t.addEventListener("chinwag-close",()=>this.handlers.emit("close"))}display(e){this.el.conversationId=e??null}get chatbox(){return this.el.chatbox}async mount(e){e instanceof HTMLElement?e.append(this.el):(document.body.append(this.el),e&&"show"in e&&e.show&&this.el.show()),await this.el.updateComplete}show(){this.el.isConnected&&this.el.show()}hide(){this.el.isConnected&&this.el.hide()}onOpen(e){return this.handlers.add("open",e)}onClose(e){return this.handlers.add("close",e)}},ao;function bi(n){let e=typeof n=="string"?n:n?.name;return e==="dark"||e==="auto"?e:"light"}var rs=class{constructor(e){this.meSnapshot=null;this.#e=!0;this.#t=new Map;this.#s=new Set;this.#n=[];this.#i=new Je;this.#r=null;this.#o=!1;if(!e||typeof e.appId!="string"||e.appId==="")throw new V(0,"new Talk.Session: appId is required");let t=e.me??(e.userId!==void 0?new ve(e.userId):null);if(!(t instanceof ve))throw new V(0,"new Talk.Session: give `me` (a Talk.User) or `userId`");vi(),this.appId=e.appId,this.me=t;let s=e.host??ao??(typeof location<"u"?location.origin:void 0);this.core=Be({appId:e.appId,userId:t.id,forceCreateNew:!0,...s?{host:s}:{},...e.token?{token:e.token}:{},...e.signature?{signature:e.signature}:{},...e.tokenFetcher?{tokenFetcher:e.tokenFetcher}:{}});let i=t.syncParams(!0);i&&this.core.currentUser.set(i).catch(r=>console.error(`Chinwag: could not synchronise user ${t.id}:`,r)),this.#n.push(this.core.currentUser.subscribe(r=>{this.meSnapshot=r?yi(r):null}))}#e;#t;#s;#n;#i;#r;#o;get isAlive(){return this.#e}get currentUser(){return this.core.currentUser}get unreads(){return this.#r??=new Xs(this),this.#r}getOrCreateConversation(e){let t=String(e),s=this.#t.get(t);return s||(s=new be(this,t),this.#t.set(t,s)),s}#a(e){let t=e??{};return new de(this.core,{locale:t.locale??null,options:{...t.showChatHeader!==void 0?{showChatHeader:t.showChatHeader}:{},...t.messageField?{messageField:{...t.messageField}}:{},...t.presence?.visible===!1?{presence:!1}:{},theme:bi(t.theme),...t.dir?{dir:t.dir}:{}}})}#l(e,t){return e instanceof be?{builder:e,options:t}:{builder:null,options:e}}#c(e,t){let s=bi(t);return s!=="light"&&e.el.setAttribute("theme",s),this.#s.add(e),e}createChatbox(e,t){let{builder:s,options:i}=this.#l(e,t),r=document.createElement("chinwag-chatbox"),o=this.#c(new Pe(this,r,this.#a(i)),i?.theme);return s&&o.select(s),o}createInbox(e,t){let{builder:s,options:i}=this.#l(e,t),r=document.createElement("chinwag-inbox");i?.showFeedHeader===!1&&(r.showFeedHeader=!1),i?.feedFilter&&(r.feedFilter=i.feedFilter);let o=this.#c(new Ie(this,r,this.#a(i)),i?.theme),a=s??i?.selected;return a!==void 0&&o.select(a),o}createPopup(e,t){let{builder:s,options:i}=this.#l(e,t),r=document.createElement("chinwag-popup");i?.launcher&&(r.launcher=i.launcher);let o=this.#c(new Re(this,r,this.#a(i)),i?.theme);return s&&o.select(s),o}getChatboxes(){return[...this.#s].filter(e=>e instanceof Pe)}getInboxes(){return[...this.#s].filter(e=>e instanceof Ie)}getPopups(){return[...this.#s].filter(e=>e instanceof Re)}forget(e){this.#s.delete(e)}onMessage(e){let t=this.#i.add("message",e);return this.#o||(this.#o=!0,this.#d()),t}#d(){let e=new Map,t=!1;this.#n.push(this.core.subscribeConversations(s=>{let i=this.core.currentUser.id;for(let r of s){let o=r.lastMessage;if(!o)continue;let a=e.get(r.id);e.set(r.id,o.id),t&&a!==o.id&&this.#i.emit("message",wi(o,r,i))}t=!0}))}on(e,t){e==="message"&&this.onMessage(t)}off(e,t){this.#i.remove(e,t)}async hasValidCredentials(){try{return await this.core.currentUser.get(),!0}catch{return!1}}destroy(){if(this.#e){this.#e=!1;for(let e of[...this.#s])e.destroy();for(let e of this.#n)e.unsubscribe();this.#r?.stop(),this.core.destroy()}}user(e){return this.core.user(e)}conversation(e){return this.core.conversation(e)}},Xs=class{#e;#t=new Je;#s=null;#n=null;constructor(e){this.#e=e}onChange(e){let t=this.#t.add("change",e);return this.#i(),this.#n&&e(this.#n),t}on(e,t){e==="change"&&this.onChange(t)}off(e,t){this.#t.remove(e,t)}#i(){if(this.#s)return;let e=this.#e.core;this.#s=e.subscribeConversations({filter:{isUnread:!0,hasMessages:!0}},t=>{let s=e.currentUser.id;this.#n=t.filter(i=>i.lastMessage!==null).map(i=>({conversation:Ys(i,s),lastMessage:wi(i.lastMessage,i,s),unreadMessageCount:i.unreadMessageCount})),this.#t.emit("change",this.#n)})}stop(){this.#s?.unsubscribe(),this.#s=null}};var xi={User:ve,Session:rs,ConversationBuilder:be,Chatbox:Pe,Inbox:Ie,Popup:Re,Error:V,oneOnOneId:at,version:"chinwag-0.1.0"};var lo={...xi,ready:Promise.resolve()},hd=lo;export{hd as default};
