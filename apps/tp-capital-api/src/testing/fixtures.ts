/** A real channel post, as TP Capital publishes them. */
export const SIGNAL_TEXT = `🟢Swing Trade

Ativo: BOVAW32
Compra: 1,04 a 1,06
Alvo 1: 1,15
Alvo 2: 2,15
Alvo final: 3,50

Stop: 0,70

A ordem ficará posicionada no Book até dia 28/10`;
