/**
 * AES encryption (FIPS 197) for 128-, 192- and 256-bit keys: key expansion, block encryption and
 * CTR mode (SP 800-38A §6.5). Only the forward cipher exists because CTR and CMAC, the two modes
 * AES-SIV is built from, never decrypt a block.
 *
 * NOT CONSTANT-TIME. This is a table implementation: every round indexes the T-tables with
 * secret state bytes, and which cache lines those lookups touch depends on the key and the data.
 * An attacker who shares the CPU cache with this process (another process or VM on the same
 * core, script in the same browser process running a timing loop) can in principle recover the
 * key from cache-timing measurements. Where that threat matters, select the constant-time,
 * bitsliced core of aes-ct.ts (`init({ aes: 'ct' })`). Only the key expansion is constant-time
 * here: it shares the word expansion of aes-ct.ts.
 *
 * Round function. FIPS 197 §5.1 SubBytes, ShiftRows, MixColumns and AddRoundKey of one column
 * merge into four table lookups XORed with the round key, the classic Rijndael "T-table" form:
 * output column c = Te0[row 0 of column c] ⊕ Te1[row 1 of column c+1]
 *                 ⊕ Te2[row 2 of column c+2] ⊕ Te3[row 3 of column c+3] ⊕ roundKey[c],
 * with Te0[x] the MixColumns column (2·S[x], S[x], S[x], 3·S[x]) and Te1..Te3 its row rotations.
 *
 * Spread columns. Between rounds a column lives in a u64 whose four 16-bit lanes hold its four
 * bytes each multiplied by 8 (lane r = byte r << 3). The tables hold their entries in the same
 * spread form, and spreading commutes with XOR, so the XOR of table entries and a spread round
 * key is the next spread column. The point is the lookup: lane r, extracted whole, is already the
 * byte offset of an 8-byte table entry, so an index costs one or two instructions instead of a
 * shift-and-mask of a packed byte. The first round reads the packed input bytes (shift and mask)
 * and the last, which has no MixColumns, packs the S-box bytes back into u32 columns; S[x] << 3
 * is lane 1 of Te0[x], read as a u16.
 *
 * Pinning. Each new column is also stored to AES_PIN_A (AES_PIN_B for a second chain). The
 * store is an ordered side effect, so it makes the engine compute the column's XOR right after
 * its four table loads; otherwise the XORs are sunk to their first use in the next round and the
 * sixteen loaded values of a round all stay live, which overflows the registers and spills. The
 * pins are scratch, wiped with it.
 *
 * Counter caching (CTR with a 32-bit counter word, as AES-SIV uses it). Between two wraps of
 * the counter's low byte only byte 15 of the counter block changes, and round 1 spreads that
 * byte into column 0 alone, so round 1 is fixed but for one lookup and round 2 but for one lookup
 * per column. A counter cache holds those fixed parts (the "counter-mode caching" of Bernstein
 * and Schwabe, New AES software speed records, INDOCRYPT 2008, §4): a cached counter block
 * costs 5 lookups for its first two rounds instead of 32. The cache is key material, kept in
 * scratch and wiped with it.
 *
 * Schedules (`expandKey`): round key 0 and the last as four packed u32 columns, the Nr − 1 in
 * between as four spread u64 columns, so a schedule takes 32 · Nr bytes (448 for AES-256).
 *
 * AES-256 (what E4 uses: its SIV key halves are 32 bytes) runs fully unrolled with the round keys
 * at constant offsets, one block or two interleaved; 128 and 192 share a loop.
 */

import { expandKeyWords } from "./aes-ct";
import { bigEndianBytes32, loadBe32, loadBe64 } from "./bytes";
import { AES_PIN_A, AES_PIN_B, COUNTER_CACHE_BYTES, KEYSTREAM_BLOCKS } from "./memory";

// @ts-ignore: decorator
@lazy @inline const TE0 = memory.data<u64>([
  0x0528031803180630, 0x042003e003e007c0, 0x04c803b803b80770, 0x046803d803d807b0,
  0x00680790079007f8, 0x05e80358035806b0, 0x05880378037806f0, 0x02a0062806280488,
  0x0280018001800300, 0x0018000800080010, 0x0548033803380670, 0x03e80158015802b0,
  0x00c807f007f00738, 0x031006b806b805a8, 0x0730055805580268, 0x04d003b003b00760,
  0x0228065006500478, 0x04e80410041000f8, 0x0200064806480448, 0x043803e803e807d0,
  0x00a807d007d00778, 0x075802c802c80590, 0x0648023802380470, 0x00580780078007d8,
  0x0760056805680208, 0x033806a006a00598, 0x07e80510051002f8, 0x0750057805780228,
  0x05f804e004e00118, 0x07b8052005200298, 0x04b0039003900720, 0x02d80600060004d8,
  0x061005b805b803a8, 0x00e007e807e80708, 0x05700498049801e8, 0x0350013001300260,
  0x02d001b001b00360, 0x020801f801f803f0, 0x001007b807b807a8, 0x0278066006600418,
  0x02e001a001a00340, 0x07a0052805280288, 0x01a0072807280688, 0x00400788078807c8,
  0x0498038803880710, 0x039806c006c00558, 0x0298018801880310, 0x01f800a800a80150,
  0x0060002000200040, 0x02900638063804a8, 0x0328011801180230, 0x02f00618061804e8,
  0x014000c000c00180, 0x050804b004b001b8, 0x0078002800280050, 0x05a804d004d00178,
  0x0048003800380070, 0x01b0009000900120, 0x04d80400040000d8, 0x01e80710071006f8,
  0x0130075807580668, 0x0348013801380270, 0x06680590059003f8, 0x04f803a803a80750,
  0x00d8004800480090, 0x04f00418041800e8, 0x03a00160016002c0, 0x017000d000d001a0,
  0x016800d800d801b0, 0x05900370037006e0, 0x077002d002d005a0, 0x07d80500050002d8,
  0x07b0029002900520, 0x026801d801d803b0, 0x030806b006b005b8, 0x06700598059803e8,
  0x03d8014801480290, 0x01f00718071806e8, 0x03880178017802f0, 0x04b8042004200098,
  0x07a8029802980530, 0x03400688068805c8, 0x0000000000000000, 0x0160076807680608,
  0x0300010001000200, 0x00f807e007e00718, 0x06400588058803c8, 0x076802d802d805b0,
  0x05f00350035006a0, 0x0230065806580468, 0x06c805f005f00338, 0x025801c801c80390,
  0x06f00250025004a0, 0x06a00260026004c0, 0x074002c002c00580, 0x0250067806780428,
  0x03580680068005d8, 0x0150077807780628, 0x0728055005500278, 0x00b007d807d80768,
  0x0628021802180430, 0x06b80268026804d0, 0x02a8019801980330, 0x04a0042804280088,
  0x0678022802280450, 0x008007c807c80748, 0x0030001000100020, 0x040803f803f807f0,
  0x0780028002800500, 0x022001e001e003c0, 0x05d004f804f80128, 0x0718054005400258,
  0x0798028802880510, 0x07f00518051802e8, 0x0600020002000400, 0x0450047804780028,
  0x05680490049001f8, 0x05e004e804e80108, 0x024001c001c00380, 0x002007a807a80788,
  0x06f805e005e00318, 0x060805b005b003b8, 0x03a806d006d00578, 0x0318010801080210,
  0x0180008000800100, 0x00d007f807f80728, 0x00700798079807e8, 0x03680690069005f8,
  0x0260066806680408, 0x00a00060006000c0, 0x01a8009800980130, 0x0178076007600618,
  0x070802f802f805f0, 0x051004b804b801a8, 0x0660022002200440, 0x01c800b800b80170,
  0x02b8062006200498, 0x07900538053802a8, 0x041003f003f007e0, 0x023801e801e803d0,
  0x0560032003200640, 0x073802e802e805d0, 0x015800c800c80190, 0x04a8039803980730,
  0x0500030003000600, 0x04c00408040800c8, 0x06880278027804f0, 0x03f806e006e00518,
  0x0330011001100220, 0x03f00150015002a0, 0x05580480048001d8, 0x0418044004400058,
  0x0650023002300460, 0x0148077007700638, 0x069805c005c00358, 0x01e000a000a00140,
  0x03c806f006f00538, 0x071002f002f005e0, 0x00e80058005800b0, 0x03b006d806d80568,
  0x01d80700070006d8, 0x02b0019001900320, 0x027001d001d003a0, 0x00f00050005000a0,
  0x06d8024802480490, 0x0050003000300060, 0x0360012001200240, 0x072002e002e005c0,
  0x02e80610061004f8, 0x03700698069805e8, 0x0778056005600218, 0x0530031003100620,
  0x05400488048801c8, 0x052004a804a80188, 0x01b8072007200698, 0x045803c803c80790,
  0x01900738073806a8, 0x0218064006400458, 0x02c801b801b80370, 0x05b80368036806d0,
  0x0460046804680008, 0x032006a806a80588, 0x06900270027004e0, 0x0700054805480248,
  0x05a00360036006c0, 0x07d002b002b00560, 0x003807a007a00798, 0x0128075007500678,
  0x0578032803280650, 0x047003d003d007a0, 0x0748057005700238, 0x00c0004000400080,
  0x06a805d005d00378, 0x044003c003c00780, 0x0378012801280250, 0x03900170017002e0,
  0x012000e000e001c0, 0x07880530053002b8, 0x063805a005a00398, 0x02880630063004b8,
  0x0118074007400658, 0x03e006e806e80508, 0x04e003a003a00740, 0x010800f800f801f0,
  0x06e80258025804b0, 0x06e005e805e80308, 0x0430045804580068, 0x0428045004500078,
  0x0480038003800700, 0x021001f001f003e0, 0x062005a805a80388, 0x0550033003300660,
  0x06c0024002400480, 0x0028001800180030, 0x000807b007b007b8, 0x00900070007000e0,
  0x0518030803080610, 0x02f801a801a80350, 0x07c802b802b80570, 0x068005c805c80348,
  0x04880430043000b8, 0x02c00608060804c8, 0x013800e800e801d0, 0x05c804f004f00138,
  0x01c00708070806c8, 0x009807c007c00758, 0x059804c004c00158, 0x0198008800880110,
  0x05d8034803480690, 0x038006c806c80548, 0x0448047004700038, 0x053804a004a00198,
  0x05b004d804d80168, 0x011000f000f001e0, 0x04900438043800a8, 0x0100074807480648,
  0x0248067006700438, 0x07f802a802a80550, 0x03c0014001400280, 0x03d006f806f80528,
  0x0478046004600018, 0x07c00508050802c8, 0x0400044804480048, 0x00b80068006800d0,
  0x06d005f805f80328, 0x01880730073006b8, 0x0630021002100420, 0x05c0034003400680,
  0x0618020802080410, 0x058004c804c80148, 0x03b80168016802d0, 0x00880078007800f0,
  0x06580580058003d8, 0x07e002a002a00540, 0x06b005d805d80368, 0x01d000b000b00160
]);

// @ts-ignore: decorator
@lazy @inline const TE1 = memory.data<u64>([
  0x0318031806300528, 0x03e003e007c00420, 0x03b803b8077004c8, 0x03d803d807b00468,
  0x0790079007f80068, 0x0358035806b005e8, 0x0378037806f00588, 0x06280628048802a0,
  0x0180018003000280, 0x0008000800100018, 0x0338033806700548, 0x0158015802b003e8,
  0x07f007f0073800c8, 0x06b806b805a80310, 0x0558055802680730, 0x03b003b0076004d0,
  0x0650065004780228, 0x0410041000f804e8, 0x0648064804480200, 0x03e803e807d00438,
  0x07d007d0077800a8, 0x02c802c805900758, 0x0238023804700648, 0x0780078007d80058,
  0x0568056802080760, 0x06a006a005980338, 0x0510051002f807e8, 0x0578057802280750,
  0x04e004e0011805f8, 0x05200520029807b8, 0x03900390072004b0, 0x0600060004d802d8,
  0x05b805b803a80610, 0x07e807e8070800e0, 0x0498049801e80570, 0x0130013002600350,
  0x01b001b0036002d0, 0x01f801f803f00208, 0x07b807b807a80010, 0x0660066004180278,
  0x01a001a0034002e0, 0x05280528028807a0, 0x07280728068801a0, 0x0788078807c80040,
  0x0388038807100498, 0x06c006c005580398, 0x0188018803100298, 0x00a800a8015001f8,
  0x0020002000400060, 0x0638063804a80290, 0x0118011802300328, 0x0618061804e802f0,
  0x00c000c001800140, 0x04b004b001b80508, 0x0028002800500078, 0x04d004d0017805a8,
  0x0038003800700048, 0x00900090012001b0, 0x0400040000d804d8, 0x0710071006f801e8,
  0x0758075806680130, 0x0138013802700348, 0x0590059003f80668, 0x03a803a8075004f8,
  0x00480048009000d8, 0x0418041800e804f0, 0x0160016002c003a0, 0x00d000d001a00170,
  0x00d800d801b00168, 0x0370037006e00590, 0x02d002d005a00770, 0x0500050002d807d8,
  0x02900290052007b0, 0x01d801d803b00268, 0x06b006b005b80308, 0x0598059803e80670,
  0x01480148029003d8, 0x0718071806e801f0, 0x0178017802f00388, 0x04200420009804b8,
  0x02980298053007a8, 0x0688068805c80340, 0x0000000000000000, 0x0768076806080160,
  0x0100010002000300, 0x07e007e0071800f8, 0x0588058803c80640, 0x02d802d805b00768,
  0x0350035006a005f0, 0x0658065804680230, 0x05f005f0033806c8, 0x01c801c803900258,
  0x0250025004a006f0, 0x0260026004c006a0, 0x02c002c005800740, 0x0678067804280250,
  0x0680068005d80358, 0x0778077806280150, 0x0550055002780728, 0x07d807d8076800b0,
  0x0218021804300628, 0x0268026804d006b8, 0x01980198033002a8, 0x04280428008804a0,
  0x0228022804500678, 0x07c807c807480080, 0x0010001000200030, 0x03f803f807f00408,
  0x0280028005000780, 0x01e001e003c00220, 0x04f804f8012805d0, 0x0540054002580718,
  0x0288028805100798, 0x0518051802e807f0, 0x0200020004000600, 0x0478047800280450,
  0x0490049001f80568, 0x04e804e8010805e0, 0x01c001c003800240, 0x07a807a807880020,
  0x05e005e0031806f8, 0x05b005b003b80608, 0x06d006d0057803a8, 0x0108010802100318,
  0x0080008001000180, 0x07f807f8072800d0, 0x0798079807e80070, 0x0690069005f80368,
  0x0668066804080260, 0x0060006000c000a0, 0x00980098013001a8, 0x0760076006180178,
  0x02f802f805f00708, 0x04b804b801a80510, 0x0220022004400660, 0x00b800b8017001c8,
  0x06200620049802b8, 0x0538053802a80790, 0x03f003f007e00410, 0x01e801e803d00238,
  0x0320032006400560, 0x02e802e805d00738, 0x00c800c801900158, 0x03980398073004a8,
  0x0300030006000500, 0x0408040800c804c0, 0x0278027804f00688, 0x06e006e0051803f8,
  0x0110011002200330, 0x0150015002a003f0, 0x0480048001d80558, 0x0440044000580418,
  0x0230023004600650, 0x0770077006380148, 0x05c005c003580698, 0x00a000a0014001e0,
  0x06f006f0053803c8, 0x02f002f005e00710, 0x0058005800b000e8, 0x06d806d8056803b0,
  0x0700070006d801d8, 0x01900190032002b0, 0x01d001d003a00270, 0x0050005000a000f0,
  0x02480248049006d8, 0x0030003000600050, 0x0120012002400360, 0x02e002e005c00720,
  0x0610061004f802e8, 0x0698069805e80370, 0x0560056002180778, 0x0310031006200530,
  0x0488048801c80540, 0x04a804a801880520, 0x07200720069801b8, 0x03c803c807900458,
  0x0738073806a80190, 0x0640064004580218, 0x01b801b8037002c8, 0x0368036806d005b8,
  0x0468046800080460, 0x06a806a805880320, 0x0270027004e00690, 0x0548054802480700,
  0x0360036006c005a0, 0x02b002b0056007d0, 0x07a007a007980038, 0x0750075006780128,
  0x0328032806500578, 0x03d003d007a00470, 0x0570057002380748, 0x00400040008000c0,
  0x05d005d0037806a8, 0x03c003c007800440, 0x0128012802500378, 0x0170017002e00390,
  0x00e000e001c00120, 0x0530053002b80788, 0x05a005a003980638, 0x0630063004b80288,
  0x0740074006580118, 0x06e806e8050803e0, 0x03a003a0074004e0, 0x00f800f801f00108,
  0x0258025804b006e8, 0x05e805e8030806e0, 0x0458045800680430, 0x0450045000780428,
  0x0380038007000480, 0x01f001f003e00210, 0x05a805a803880620, 0x0330033006600550,
  0x02400240048006c0, 0x0018001800300028, 0x07b007b007b80008, 0x0070007000e00090,
  0x0308030806100518, 0x01a801a8035002f8, 0x02b802b8057007c8, 0x05c805c803480680,
  0x0430043000b80488, 0x0608060804c802c0, 0x00e800e801d00138, 0x04f004f0013805c8,
  0x0708070806c801c0, 0x07c007c007580098, 0x04c004c001580598, 0x0088008801100198,
  0x03480348069005d8, 0x06c806c805480380, 0x0470047000380448, 0x04a004a001980538,
  0x04d804d8016805b0, 0x00f000f001e00110, 0x0438043800a80490, 0x0748074806480100,
  0x0670067004380248, 0x02a802a8055007f8, 0x01400140028003c0, 0x06f806f8052803d0,
  0x0460046000180478, 0x0508050802c807c0, 0x0448044800480400, 0x0068006800d000b8,
  0x05f805f8032806d0, 0x0730073006b80188, 0x0210021004200630, 0x03400340068005c0,
  0x0208020804100618, 0x04c804c801480580, 0x0168016802d003b8, 0x0078007800f00088,
  0x0580058003d80658, 0x02a002a0054007e0, 0x05d805d8036806b0, 0x00b000b0016001d0
]);

// @ts-ignore: decorator
@lazy @inline const TE2 = memory.data<u64>([
  0x0318063005280318, 0x03e007c0042003e0, 0x03b8077004c803b8, 0x03d807b0046803d8,
  0x079007f800680790, 0x035806b005e80358, 0x037806f005880378, 0x0628048802a00628,
  0x0180030002800180, 0x0008001000180008, 0x0338067005480338, 0x015802b003e80158,
  0x07f0073800c807f0, 0x06b805a8031006b8, 0x0558026807300558, 0x03b0076004d003b0,
  0x0650047802280650, 0x041000f804e80410, 0x0648044802000648, 0x03e807d0043803e8,
  0x07d0077800a807d0, 0x02c80590075802c8, 0x0238047006480238, 0x078007d800580780,
  0x0568020807600568, 0x06a00598033806a0, 0x051002f807e80510, 0x0578022807500578,
  0x04e0011805f804e0, 0x0520029807b80520, 0x0390072004b00390, 0x060004d802d80600,
  0x05b803a8061005b8, 0x07e8070800e007e8, 0x049801e805700498, 0x0130026003500130,
  0x01b0036002d001b0, 0x01f803f0020801f8, 0x07b807a8001007b8, 0x0660041802780660,
  0x01a0034002e001a0, 0x0528028807a00528, 0x0728068801a00728, 0x078807c800400788,
  0x0388071004980388, 0x06c00558039806c0, 0x0188031002980188, 0x00a8015001f800a8,
  0x0020004000600020, 0x063804a802900638, 0x0118023003280118, 0x061804e802f00618,
  0x00c00180014000c0, 0x04b001b8050804b0, 0x0028005000780028, 0x04d0017805a804d0,
  0x0038007000480038, 0x0090012001b00090, 0x040000d804d80400, 0x071006f801e80710,
  0x0758066801300758, 0x0138027003480138, 0x059003f806680590, 0x03a8075004f803a8,
  0x0048009000d80048, 0x041800e804f00418, 0x016002c003a00160, 0x00d001a0017000d0,
  0x00d801b0016800d8, 0x037006e005900370, 0x02d005a0077002d0, 0x050002d807d80500,
  0x0290052007b00290, 0x01d803b0026801d8, 0x06b005b8030806b0, 0x059803e806700598,
  0x0148029003d80148, 0x071806e801f00718, 0x017802f003880178, 0x0420009804b80420,
  0x0298053007a80298, 0x068805c803400688, 0x0000000000000000, 0x0768060801600768,
  0x0100020003000100, 0x07e0071800f807e0, 0x058803c806400588, 0x02d805b0076802d8,
  0x035006a005f00350, 0x0658046802300658, 0x05f0033806c805f0, 0x01c80390025801c8,
  0x025004a006f00250, 0x026004c006a00260, 0x02c00580074002c0, 0x0678042802500678,
  0x068005d803580680, 0x0778062801500778, 0x0550027807280550, 0x07d8076800b007d8,
  0x0218043006280218, 0x026804d006b80268, 0x0198033002a80198, 0x0428008804a00428,
  0x0228045006780228, 0x07c80748008007c8, 0x0010002000300010, 0x03f807f0040803f8,
  0x0280050007800280, 0x01e003c0022001e0, 0x04f8012805d004f8, 0x0540025807180540,
  0x0288051007980288, 0x051802e807f00518, 0x0200040006000200, 0x0478002804500478,
  0x049001f805680490, 0x04e8010805e004e8, 0x01c00380024001c0, 0x07a80788002007a8,
  0x05e0031806f805e0, 0x05b003b8060805b0, 0x06d0057803a806d0, 0x0108021003180108,
  0x0080010001800080, 0x07f8072800d007f8, 0x079807e800700798, 0x069005f803680690,
  0x0668040802600668, 0x006000c000a00060, 0x0098013001a80098, 0x0760061801780760,
  0x02f805f0070802f8, 0x04b801a8051004b8, 0x0220044006600220, 0x00b8017001c800b8,
  0x0620049802b80620, 0x053802a807900538, 0x03f007e0041003f0, 0x01e803d0023801e8,
  0x0320064005600320, 0x02e805d0073802e8, 0x00c80190015800c8, 0x0398073004a80398,
  0x0300060005000300, 0x040800c804c00408, 0x027804f006880278, 0x06e0051803f806e0,
  0x0110022003300110, 0x015002a003f00150, 0x048001d805580480, 0x0440005804180440,
  0x0230046006500230, 0x0770063801480770, 0x05c00358069805c0, 0x00a0014001e000a0,
  0x06f0053803c806f0, 0x02f005e0071002f0, 0x005800b000e80058, 0x06d8056803b006d8,
  0x070006d801d80700, 0x0190032002b00190, 0x01d003a0027001d0, 0x005000a000f00050,
  0x0248049006d80248, 0x0030006000500030, 0x0120024003600120, 0x02e005c0072002e0,
  0x061004f802e80610, 0x069805e803700698, 0x0560021807780560, 0x0310062005300310,
  0x048801c805400488, 0x04a80188052004a8, 0x0720069801b80720, 0x03c80790045803c8,
  0x073806a801900738, 0x0640045802180640, 0x01b8037002c801b8, 0x036806d005b80368,
  0x0468000804600468, 0x06a80588032006a8, 0x027004e006900270, 0x0548024807000548,
  0x036006c005a00360, 0x02b0056007d002b0, 0x07a00798003807a0, 0x0750067801280750,
  0x0328065005780328, 0x03d007a0047003d0, 0x0570023807480570, 0x0040008000c00040,
  0x05d0037806a805d0, 0x03c00780044003c0, 0x0128025003780128, 0x017002e003900170,
  0x00e001c0012000e0, 0x053002b807880530, 0x05a00398063805a0, 0x063004b802880630,
  0x0740065801180740, 0x06e8050803e006e8, 0x03a0074004e003a0, 0x00f801f0010800f8,
  0x025804b006e80258, 0x05e8030806e005e8, 0x0458006804300458, 0x0450007804280450,
  0x0380070004800380, 0x01f003e0021001f0, 0x05a80388062005a8, 0x0330066005500330,
  0x0240048006c00240, 0x0018003000280018, 0x07b007b8000807b0, 0x007000e000900070,
  0x0308061005180308, 0x01a8035002f801a8, 0x02b8057007c802b8, 0x05c80348068005c8,
  0x043000b804880430, 0x060804c802c00608, 0x00e801d0013800e8, 0x04f0013805c804f0,
  0x070806c801c00708, 0x07c00758009807c0, 0x04c00158059804c0, 0x0088011001980088,
  0x0348069005d80348, 0x06c80548038006c8, 0x0470003804480470, 0x04a00198053804a0,
  0x04d8016805b004d8, 0x00f001e0011000f0, 0x043800a804900438, 0x0748064801000748,
  0x0670043802480670, 0x02a8055007f802a8, 0x0140028003c00140, 0x06f8052803d006f8,
  0x0460001804780460, 0x050802c807c00508, 0x0448004804000448, 0x006800d000b80068,
  0x05f8032806d005f8, 0x073006b801880730, 0x0210042006300210, 0x0340068005c00340,
  0x0208041006180208, 0x04c80148058004c8, 0x016802d003b80168, 0x007800f000880078,
  0x058003d806580580, 0x02a0054007e002a0, 0x05d8036806b005d8, 0x00b0016001d000b0
]);

// @ts-ignore: decorator
@lazy @inline const TE3 = memory.data<u64>([
  0x0630052803180318, 0x07c0042003e003e0, 0x077004c803b803b8, 0x07b0046803d803d8,
  0x07f8006807900790, 0x06b005e803580358, 0x06f0058803780378, 0x048802a006280628,
  0x0300028001800180, 0x0010001800080008, 0x0670054803380338, 0x02b003e801580158,
  0x073800c807f007f0, 0x05a8031006b806b8, 0x0268073005580558, 0x076004d003b003b0,
  0x0478022806500650, 0x00f804e804100410, 0x0448020006480648, 0x07d0043803e803e8,
  0x077800a807d007d0, 0x0590075802c802c8, 0x0470064802380238, 0x07d8005807800780,
  0x0208076005680568, 0x0598033806a006a0, 0x02f807e805100510, 0x0228075005780578,
  0x011805f804e004e0, 0x029807b805200520, 0x072004b003900390, 0x04d802d806000600,
  0x03a8061005b805b8, 0x070800e007e807e8, 0x01e8057004980498, 0x0260035001300130,
  0x036002d001b001b0, 0x03f0020801f801f8, 0x07a8001007b807b8, 0x0418027806600660,
  0x034002e001a001a0, 0x028807a005280528, 0x068801a007280728, 0x07c8004007880788,
  0x0710049803880388, 0x0558039806c006c0, 0x0310029801880188, 0x015001f800a800a8,
  0x0040006000200020, 0x04a8029006380638, 0x0230032801180118, 0x04e802f006180618,
  0x0180014000c000c0, 0x01b8050804b004b0, 0x0050007800280028, 0x017805a804d004d0,
  0x0070004800380038, 0x012001b000900090, 0x00d804d804000400, 0x06f801e807100710,
  0x0668013007580758, 0x0270034801380138, 0x03f8066805900590, 0x075004f803a803a8,
  0x009000d800480048, 0x00e804f004180418, 0x02c003a001600160, 0x01a0017000d000d0,
  0x01b0016800d800d8, 0x06e0059003700370, 0x05a0077002d002d0, 0x02d807d805000500,
  0x052007b002900290, 0x03b0026801d801d8, 0x05b8030806b006b0, 0x03e8067005980598,
  0x029003d801480148, 0x06e801f007180718, 0x02f0038801780178, 0x009804b804200420,
  0x053007a802980298, 0x05c8034006880688, 0x0000000000000000, 0x0608016007680768,
  0x0200030001000100, 0x071800f807e007e0, 0x03c8064005880588, 0x05b0076802d802d8,
  0x06a005f003500350, 0x0468023006580658, 0x033806c805f005f0, 0x0390025801c801c8,
  0x04a006f002500250, 0x04c006a002600260, 0x0580074002c002c0, 0x0428025006780678,
  0x05d8035806800680, 0x0628015007780778, 0x0278072805500550, 0x076800b007d807d8,
  0x0430062802180218, 0x04d006b802680268, 0x033002a801980198, 0x008804a004280428,
  0x0450067802280228, 0x0748008007c807c8, 0x0020003000100010, 0x07f0040803f803f8,
  0x0500078002800280, 0x03c0022001e001e0, 0x012805d004f804f8, 0x0258071805400540,
  0x0510079802880288, 0x02e807f005180518, 0x0400060002000200, 0x0028045004780478,
  0x01f8056804900490, 0x010805e004e804e8, 0x0380024001c001c0, 0x0788002007a807a8,
  0x031806f805e005e0, 0x03b8060805b005b0, 0x057803a806d006d0, 0x0210031801080108,
  0x0100018000800080, 0x072800d007f807f8, 0x07e8007007980798, 0x05f8036806900690,
  0x0408026006680668, 0x00c000a000600060, 0x013001a800980098, 0x0618017807600760,
  0x05f0070802f802f8, 0x01a8051004b804b8, 0x0440066002200220, 0x017001c800b800b8,
  0x049802b806200620, 0x02a8079005380538, 0x07e0041003f003f0, 0x03d0023801e801e8,
  0x0640056003200320, 0x05d0073802e802e8, 0x0190015800c800c8, 0x073004a803980398,
  0x0600050003000300, 0x00c804c004080408, 0x04f0068802780278, 0x051803f806e006e0,
  0x0220033001100110, 0x02a003f001500150, 0x01d8055804800480, 0x0058041804400440,
  0x0460065002300230, 0x0638014807700770, 0x0358069805c005c0, 0x014001e000a000a0,
  0x053803c806f006f0, 0x05e0071002f002f0, 0x00b000e800580058, 0x056803b006d806d8,
  0x06d801d807000700, 0x032002b001900190, 0x03a0027001d001d0, 0x00a000f000500050,
  0x049006d802480248, 0x0060005000300030, 0x0240036001200120, 0x05c0072002e002e0,
  0x04f802e806100610, 0x05e8037006980698, 0x0218077805600560, 0x0620053003100310,
  0x01c8054004880488, 0x0188052004a804a8, 0x069801b807200720, 0x0790045803c803c8,
  0x06a8019007380738, 0x0458021806400640, 0x037002c801b801b8, 0x06d005b803680368,
  0x0008046004680468, 0x0588032006a806a8, 0x04e0069002700270, 0x0248070005480548,
  0x06c005a003600360, 0x056007d002b002b0, 0x0798003807a007a0, 0x0678012807500750,
  0x0650057803280328, 0x07a0047003d003d0, 0x0238074805700570, 0x008000c000400040,
  0x037806a805d005d0, 0x0780044003c003c0, 0x0250037801280128, 0x02e0039001700170,
  0x01c0012000e000e0, 0x02b8078805300530, 0x0398063805a005a0, 0x04b8028806300630,
  0x0658011807400740, 0x050803e006e806e8, 0x074004e003a003a0, 0x01f0010800f800f8,
  0x04b006e802580258, 0x030806e005e805e8, 0x0068043004580458, 0x0078042804500450,
  0x0700048003800380, 0x03e0021001f001f0, 0x0388062005a805a8, 0x0660055003300330,
  0x048006c002400240, 0x0030002800180018, 0x07b8000807b007b0, 0x00e0009000700070,
  0x0610051803080308, 0x035002f801a801a8, 0x057007c802b802b8, 0x0348068005c805c8,
  0x00b8048804300430, 0x04c802c006080608, 0x01d0013800e800e8, 0x013805c804f004f0,
  0x06c801c007080708, 0x0758009807c007c0, 0x0158059804c004c0, 0x0110019800880088,
  0x069005d803480348, 0x0548038006c806c8, 0x0038044804700470, 0x0198053804a004a0,
  0x016805b004d804d8, 0x01e0011000f000f0, 0x00a8049004380438, 0x0648010007480748,
  0x0438024806700670, 0x055007f802a802a8, 0x028003c001400140, 0x052803d006f806f8,
  0x0018047804600460, 0x02c807c005080508, 0x0048040004480448, 0x00d000b800680068,
  0x032806d005f805f8, 0x06b8018807300730, 0x0420063002100210, 0x068005c003400340,
  0x0410061802080208, 0x0148058004c804c8, 0x02d003b801680168, 0x00f0008800780078,
  0x03d8065805800580, 0x054007e002a002a0, 0x036806b005d805d8, 0x016001d000b000b0
]);

/** S[x] << 3, the u16 at byte 2 of Te0[x]. */
// @ts-ignore: decorator
@lazy @inline const SBOX_SPREAD = TE0 + 2;

/** A spread column of round 1, from the packed columns of the input XOR round key 0. */
// @ts-ignore: decorator
@inline
function firstRoundColumn(c0: u32, c1: u32, c2: u32, c3: u32, roundKey: u64): u64 {
  return (
    (load<u64>((c0 << 3) & 0x7f8, TE0) ^ roundKey ^ load<u64>((c1 >> 5) & 0x7f8, TE1)) ^
    (load<u64>((c2 >> 13) & 0x7f8, TE2) ^ load<u64>((c3 >> 21) & 0x7f8, TE3))
  );
}

/** Lane r of a spread column: 8 × its row-r byte, the byte offset of a table entry. */
// @ts-ignore: decorator
@inline
function lane0(column: u64): u32 {
  return <u32>column & 0xffff;
}

// @ts-ignore: decorator
@inline
function lane1(column: u64): u32 {
  return <u32>column >> 16;
}

// @ts-ignore: decorator
@inline
function lane2(column: u64): u32 {
  return <u32>(column >> 32) & 0xffff;
}

// @ts-ignore: decorator
@inline
function lane3(column: u64): u32 {
  return <u32>(column >> 48);
}

/** A spread column of a middle round: lane r of the r-th argument indexes Te_r. */
// @ts-ignore: decorator
@inline
function roundColumn(x0: u64, x1: u64, x2: u64, x3: u64, roundKey: u64): u64 {
  return (
    (load<u64>(lane0(x0), TE0) ^ roundKey ^ load<u64>(lane1(x1), TE1)) ^
    (load<u64>(lane2(x2), TE2) ^ load<u64>(lane3(x3), TE3))
  );
}

/** A packed column of the last round: SubBytes, ShiftRows, AddRoundKey (no MixColumns). */
// @ts-ignore: decorator
@inline
function lastRoundColumn(x0: u64, x1: u64, x2: u64, x3: u64, roundKey: u32): u32 {
  return (
    ((<u32>load<u16>(lane0(x0), SBOX_SPREAD) >> 3) ^
      roundKey ^
      (<u32>load<u16>(lane1(x1), SBOX_SPREAD) << 5)) ^
    ((<u32>load<u16>(lane2(x2), SBOX_SPREAD) << 13) ^
      (<u32>load<u16>(lane3(x3), SBOX_SPREAD) << 21))
  );
}

/** Stores `column` at `pinPtr` (see Pinning above) and returns it. */
// @ts-ignore: decorator
@inline
function pin(column: u64, pinPtr: usize): u64 {
  store<u64>(pinPtr, column);
  return column;
}

/** Spreads a packed column: byte r moves to bits 16r + 3 … 16r + 10. */
// @ts-ignore: decorator
@inline
function spreadColumn(column: u32): u64 {
  const x = <u64>column;
  return (
    ((x & 0xff) | ((x & 0xff00) << 8) | ((x & 0xff0000) << 16) | ((x & 0xff000000) << 24)) << 3
  );
}

/** Bytes of a schedule of `rounds` rounds. */
// @ts-ignore: decorator
@inline
export function scheduleBytes(rounds: u32): usize {
  return <usize>rounds << 5;
}

/**
 * Key expansion (FIPS 197 §5.2) of a 16-, 24- or 32-byte key into the schedule layout above at
 * `schedulePtr` (32 · rounds bytes). Returns the number of rounds (10, 12, 14).
 *
 * The 4 · (rounds + 1) words of FIPS 197 are first expanded into the tail of the schedule by the
 * constant-time expansion of aes-ct.ts (its SubWord planes in the schedule's first 128 bytes),
 * then rewritten in place front to back: round r's spread form ends at byte 32r + 16, never past
 * the start of round r + 1's words at 16(rounds − 1) + 16(r + 1), so no word is overwritten
 * before it is read.
 */
export function expandKey(keyPtr: usize, keyLen: u32, schedulePtr: usize): u32 {
  const rounds = (keyLen >> 2) + 6;
  const wordsPtr = schedulePtr + ((<usize>rounds - 1) << 4);
  expandKeyWords(keyPtr, keyLen, wordsPtr, schedulePtr);
  memory.copy(schedulePtr, wordsPtr, 16);
  for (let round: u32 = 1; round < rounds; round++) {
    const roundWordsPtr = wordsPtr + (<usize>round << 4);
    const c0 = load<u32>(roundWordsPtr);
    const c1 = load<u32>(roundWordsPtr, 4);
    const c2 = load<u32>(roundWordsPtr, 8);
    const c3 = load<u32>(roundWordsPtr, 12);
    const roundKeyPtr = schedulePtr + (<usize>round << 5) - 16;
    store<u64>(roundKeyPtr, spreadColumn(c0));
    store<u64>(roundKeyPtr, spreadColumn(c1), 8);
    store<u64>(roundKeyPtr, spreadColumn(c2), 16);
    store<u64>(roundKeyPtr, spreadColumn(c3), 24);
  }
  return rounds;
}

/**
 * Encrypts the block whose packed columns are `in0..in3` under a 14-round (AES-256) schedule and
 * stores the result at `outPtr`.
 */
// @ts-ignore: decorator
@inline
export function encryptColumns256(
  schedulePtr: usize,
  in0: u32,
  in1: u32,
  in2: u32,
  in3: u32,
  outPtr: usize,
): void {
  const c0 = in0 ^ load<u32>(schedulePtr);
  const c1 = in1 ^ load<u32>(schedulePtr, 4);
  const c2 = in2 ^ load<u32>(schedulePtr, 8);
  const c3 = in3 ^ load<u32>(schedulePtr, 12);
  let s0 = pin(firstRoundColumn(c0, c1, c2, c3, load<u64>(schedulePtr, 16)), AES_PIN_A);
  let s1 = pin(firstRoundColumn(c1, c2, c3, c0, load<u64>(schedulePtr, 24)), AES_PIN_A + 8);
  let s2 = pin(firstRoundColumn(c2, c3, c0, c1, load<u64>(schedulePtr, 32)), AES_PIN_A + 16);
  let s3 = pin(firstRoundColumn(c3, c0, c1, c2, load<u64>(schedulePtr, 40)), AES_PIN_A + 24);
  let t0 = pin(roundColumn(s0, s1, s2, s3, load<u64>(schedulePtr, 48)), AES_PIN_A);
  let t1 = pin(roundColumn(s1, s2, s3, s0, load<u64>(schedulePtr, 56)), AES_PIN_A + 8);
  let t2 = pin(roundColumn(s2, s3, s0, s1, load<u64>(schedulePtr, 64)), AES_PIN_A + 16);
  let t3 = pin(roundColumn(s3, s0, s1, s2, load<u64>(schedulePtr, 72)), AES_PIN_A + 24);
  s0 = pin(roundColumn(t0, t1, t2, t3, load<u64>(schedulePtr, 80)), AES_PIN_A);
  s1 = pin(roundColumn(t1, t2, t3, t0, load<u64>(schedulePtr, 88)), AES_PIN_A + 8);
  s2 = pin(roundColumn(t2, t3, t0, t1, load<u64>(schedulePtr, 96)), AES_PIN_A + 16);
  s3 = pin(roundColumn(t3, t0, t1, t2, load<u64>(schedulePtr, 104)), AES_PIN_A + 24);
  t0 = pin(roundColumn(s0, s1, s2, s3, load<u64>(schedulePtr, 112)), AES_PIN_A);
  t1 = pin(roundColumn(s1, s2, s3, s0, load<u64>(schedulePtr, 120)), AES_PIN_A + 8);
  t2 = pin(roundColumn(s2, s3, s0, s1, load<u64>(schedulePtr, 128)), AES_PIN_A + 16);
  t3 = pin(roundColumn(s3, s0, s1, s2, load<u64>(schedulePtr, 136)), AES_PIN_A + 24);
  s0 = pin(roundColumn(t0, t1, t2, t3, load<u64>(schedulePtr, 144)), AES_PIN_A);
  s1 = pin(roundColumn(t1, t2, t3, t0, load<u64>(schedulePtr, 152)), AES_PIN_A + 8);
  s2 = pin(roundColumn(t2, t3, t0, t1, load<u64>(schedulePtr, 160)), AES_PIN_A + 16);
  s3 = pin(roundColumn(t3, t0, t1, t2, load<u64>(schedulePtr, 168)), AES_PIN_A + 24);
  t0 = pin(roundColumn(s0, s1, s2, s3, load<u64>(schedulePtr, 176)), AES_PIN_A);
  t1 = pin(roundColumn(s1, s2, s3, s0, load<u64>(schedulePtr, 184)), AES_PIN_A + 8);
  t2 = pin(roundColumn(s2, s3, s0, s1, load<u64>(schedulePtr, 192)), AES_PIN_A + 16);
  t3 = pin(roundColumn(s3, s0, s1, s2, load<u64>(schedulePtr, 200)), AES_PIN_A + 24);
  s0 = pin(roundColumn(t0, t1, t2, t3, load<u64>(schedulePtr, 208)), AES_PIN_A);
  s1 = pin(roundColumn(t1, t2, t3, t0, load<u64>(schedulePtr, 216)), AES_PIN_A + 8);
  s2 = pin(roundColumn(t2, t3, t0, t1, load<u64>(schedulePtr, 224)), AES_PIN_A + 16);
  s3 = pin(roundColumn(t3, t0, t1, t2, load<u64>(schedulePtr, 232)), AES_PIN_A + 24);
  t0 = pin(roundColumn(s0, s1, s2, s3, load<u64>(schedulePtr, 240)), AES_PIN_A);
  t1 = pin(roundColumn(s1, s2, s3, s0, load<u64>(schedulePtr, 248)), AES_PIN_A + 8);
  t2 = pin(roundColumn(s2, s3, s0, s1, load<u64>(schedulePtr, 256)), AES_PIN_A + 16);
  t3 = pin(roundColumn(s3, s0, s1, s2, load<u64>(schedulePtr, 264)), AES_PIN_A + 24);
  s0 = pin(roundColumn(t0, t1, t2, t3, load<u64>(schedulePtr, 272)), AES_PIN_A);
  s1 = pin(roundColumn(t1, t2, t3, t0, load<u64>(schedulePtr, 280)), AES_PIN_A + 8);
  s2 = pin(roundColumn(t2, t3, t0, t1, load<u64>(schedulePtr, 288)), AES_PIN_A + 16);
  s3 = pin(roundColumn(t3, t0, t1, t2, load<u64>(schedulePtr, 296)), AES_PIN_A + 24);
  t0 = pin(roundColumn(s0, s1, s2, s3, load<u64>(schedulePtr, 304)), AES_PIN_A);
  t1 = pin(roundColumn(s1, s2, s3, s0, load<u64>(schedulePtr, 312)), AES_PIN_A + 8);
  t2 = pin(roundColumn(s2, s3, s0, s1, load<u64>(schedulePtr, 320)), AES_PIN_A + 16);
  t3 = pin(roundColumn(s3, s0, s1, s2, load<u64>(schedulePtr, 328)), AES_PIN_A + 24);
  s0 = pin(roundColumn(t0, t1, t2, t3, load<u64>(schedulePtr, 336)), AES_PIN_A);
  s1 = pin(roundColumn(t1, t2, t3, t0, load<u64>(schedulePtr, 344)), AES_PIN_A + 8);
  s2 = pin(roundColumn(t2, t3, t0, t1, load<u64>(schedulePtr, 352)), AES_PIN_A + 16);
  s3 = pin(roundColumn(t3, t0, t1, t2, load<u64>(schedulePtr, 360)), AES_PIN_A + 24);
  t0 = pin(roundColumn(s0, s1, s2, s3, load<u64>(schedulePtr, 368)), AES_PIN_A);
  t1 = pin(roundColumn(s1, s2, s3, s0, load<u64>(schedulePtr, 376)), AES_PIN_A + 8);
  t2 = pin(roundColumn(s2, s3, s0, s1, load<u64>(schedulePtr, 384)), AES_PIN_A + 16);
  t3 = pin(roundColumn(s3, s0, s1, s2, load<u64>(schedulePtr, 392)), AES_PIN_A + 24);
  s0 = pin(roundColumn(t0, t1, t2, t3, load<u64>(schedulePtr, 400)), AES_PIN_A);
  s1 = pin(roundColumn(t1, t2, t3, t0, load<u64>(schedulePtr, 408)), AES_PIN_A + 8);
  s2 = pin(roundColumn(t2, t3, t0, t1, load<u64>(schedulePtr, 416)), AES_PIN_A + 16);
  s3 = pin(roundColumn(t3, t0, t1, t2, load<u64>(schedulePtr, 424)), AES_PIN_A + 24);
  store<u32>(outPtr, lastRoundColumn(s0, s1, s2, s3, load<u32>(schedulePtr, 432)));
  store<u32>(outPtr, lastRoundColumn(s1, s2, s3, s0, load<u32>(schedulePtr, 436)), 4);
  store<u32>(outPtr, lastRoundColumn(s2, s3, s0, s1, load<u32>(schedulePtr, 440)), 8);
  store<u32>(outPtr, lastRoundColumn(s3, s0, s1, s2, load<u32>(schedulePtr, 444)), 12);
}

/**
 * Makes the counter cache at `counterCachePtr` hold rounds 1 and 2 of the counter blocks whose
 * first 12 bytes are those at `ivPtr` and whose last word (big-endian) shares its upper 24 bits
 * with `counterWord`. Layout: +0 round-1 column 0 without the term of byte 15; +8 the four
 * round-2 columns without the terms of round-1 column 0; +40 counterWord >> 8, the run it is
 * valid for; +44 byte 15 of round key 0.
 */
function refreshCounterCache(
  schedulePtr: usize,
  ivPtr: usize,
  counterWord: u32,
  counterCachePtr: usize,
): void {
  const c0 = load<u32>(ivPtr) ^ load<u32>(schedulePtr);
  const c1 = load<u32>(ivPtr, 4) ^ load<u32>(schedulePtr, 4);
  const c2 = load<u32>(ivPtr, 8) ^ load<u32>(schedulePtr, 8);
  const c3 = bigEndianBytes32(counterWord) ^ load<u32>(schedulePtr, 12);
  const u0 = firstRoundColumn(c0, c1, c2, c3, load<u64>(schedulePtr, 16));
  const u1 = firstRoundColumn(c1, c2, c3, c0, load<u64>(schedulePtr, 24));
  const u2 = firstRoundColumn(c2, c3, c0, c1, load<u64>(schedulePtr, 32));
  const u3 = firstRoundColumn(c3, c0, c1, c2, load<u64>(schedulePtr, 40));
  store<u64>(counterCachePtr, u0 ^ load<u64>((c3 >> 21) & 0x7f8, TE3));
  const v0 = roundColumn(u0, u1, u2, u3, load<u64>(schedulePtr, 48));
  const v1 = roundColumn(u1, u2, u3, u0, load<u64>(schedulePtr, 56));
  const v2 = roundColumn(u2, u3, u0, u1, load<u64>(schedulePtr, 64));
  const v3 = roundColumn(u3, u0, u1, u2, load<u64>(schedulePtr, 72));
  store<u64>(counterCachePtr, v0 ^ load<u64>(lane0(u0), TE0), 8);
  store<u64>(counterCachePtr, v1 ^ load<u64>(lane3(u0), TE3), 16);
  store<u64>(counterCachePtr, v2 ^ load<u64>(lane2(u0), TE2), 24);
  store<u64>(counterCachePtr, v3 ^ load<u64>(lane1(u0), TE1), 32);
  store<u32>(counterCachePtr, counterWord >> 8, 40);
  store<u32>(counterCachePtr, load<u32>(schedulePtr, 12) >> 24, 44);
}

/** Round-1 column 0 of the counter block with last word `counterWord`, from its cache. */
// @ts-ignore: decorator
@inline
function cachedFirstRoundColumn0(counterCachePtr: usize, counterWord: u32): u64 {
  const byte15 = (counterWord ^ load<u32>(counterCachePtr, 44)) & 0xff;
  return load<u64>(counterCachePtr) ^ load<u64>(byte15 << 3, TE3);
}

/** Marks a counter cache as valid for no run (a run is below 2^24). */
// @ts-ignore: decorator
@inline
export function clearCounterCache(counterCachePtr: usize): void {
  store<u32>(counterCachePtr, 0xffffffff, 40);
}

/** Refreshes the counter cache when `counterWord` starts a run it does not hold. */
// @ts-ignore: decorator
@inline
export function prepareCounterCache(
  schedulePtr: usize,
  ivPtr: usize,
  counterWord: u32,
  counterCachePtr: usize,
): void {
  if (counterWord >> 8 != load<u32>(counterCachePtr, 40)) {
    refreshCounterCache(schedulePtr, ivPtr, counterWord, counterCachePtr);
  }
}

/**
 * AES-SIV open's two AES chains with their rounds interleaved: the CMAC step E(`a0..a3`),
 * stored at `macStatePtr`, and the counter block with last word `counterWord` (cache at
 * `counterCachePtr`, prepared), XORed into the 16 bytes at `dataPtr`. Two independent chains in
 * one instruction stream let the CPU overlap the dependent table loads of one with the work of
 * the other; a third would spill the working columns out of registers and run slower.
 */
// @ts-ignore: decorator
@inline
export function encryptMacAndCounter256(
  macSchedulePtr: usize,
  a0: u32,
  a1: u32,
  a2: u32,
  a3: u32,
  macStatePtr: usize,
  ctrSchedulePtr: usize,
  counterWord: u32,
  counterCachePtr: usize,
  dataPtr: usize,
): void {
  const ac0 = a0 ^ load<u32>(macSchedulePtr);
  const ac1 = a1 ^ load<u32>(macSchedulePtr, 4);
  const ac2 = a2 ^ load<u32>(macSchedulePtr, 8);
  const ac3 = a3 ^ load<u32>(macSchedulePtr, 12);
  const bu0 = cachedFirstRoundColumn0(counterCachePtr, counterWord);
  let as0 = pin(firstRoundColumn(ac0, ac1, ac2, ac3, load<u64>(macSchedulePtr, 16)), AES_PIN_A);
  let as1 = pin(firstRoundColumn(ac1, ac2, ac3, ac0, load<u64>(macSchedulePtr, 24)), AES_PIN_A + 8);
  let as2 = pin(firstRoundColumn(ac2, ac3, ac0, ac1, load<u64>(macSchedulePtr, 32)), AES_PIN_A + 16);
  let as3 = pin(firstRoundColumn(ac3, ac0, ac1, ac2, load<u64>(macSchedulePtr, 40)), AES_PIN_A + 24);
  let bt0 = pin(load<u64>(counterCachePtr, 8) ^ load<u64>(lane0(bu0), TE0), AES_PIN_B);
  let bt1 = pin(load<u64>(counterCachePtr, 16) ^ load<u64>(lane3(bu0), TE3), AES_PIN_B + 8);
  let bt2 = pin(load<u64>(counterCachePtr, 24) ^ load<u64>(lane2(bu0), TE2), AES_PIN_B + 16);
  let bt3 = pin(load<u64>(counterCachePtr, 32) ^ load<u64>(lane1(bu0), TE1), AES_PIN_B + 24);
  let at0 = pin(roundColumn(as0, as1, as2, as3, load<u64>(macSchedulePtr, 48)), AES_PIN_A);
  let at1 = pin(roundColumn(as1, as2, as3, as0, load<u64>(macSchedulePtr, 56)), AES_PIN_A + 8);
  let at2 = pin(roundColumn(as2, as3, as0, as1, load<u64>(macSchedulePtr, 64)), AES_PIN_A + 16);
  let at3 = pin(roundColumn(as3, as0, as1, as2, load<u64>(macSchedulePtr, 72)), AES_PIN_A + 24);
  let bs0 = pin(roundColumn(bt0, bt1, bt2, bt3, load<u64>(ctrSchedulePtr, 80)), AES_PIN_B);
  let bs1 = pin(roundColumn(bt1, bt2, bt3, bt0, load<u64>(ctrSchedulePtr, 88)), AES_PIN_B + 8);
  let bs2 = pin(roundColumn(bt2, bt3, bt0, bt1, load<u64>(ctrSchedulePtr, 96)), AES_PIN_B + 16);
  let bs3 = pin(roundColumn(bt3, bt0, bt1, bt2, load<u64>(ctrSchedulePtr, 104)), AES_PIN_B + 24);
  as0 = pin(roundColumn(at0, at1, at2, at3, load<u64>(macSchedulePtr, 80)), AES_PIN_A);
  as1 = pin(roundColumn(at1, at2, at3, at0, load<u64>(macSchedulePtr, 88)), AES_PIN_A + 8);
  as2 = pin(roundColumn(at2, at3, at0, at1, load<u64>(macSchedulePtr, 96)), AES_PIN_A + 16);
  as3 = pin(roundColumn(at3, at0, at1, at2, load<u64>(macSchedulePtr, 104)), AES_PIN_A + 24);
  bt0 = pin(roundColumn(bs0, bs1, bs2, bs3, load<u64>(ctrSchedulePtr, 112)), AES_PIN_B);
  bt1 = pin(roundColumn(bs1, bs2, bs3, bs0, load<u64>(ctrSchedulePtr, 120)), AES_PIN_B + 8);
  bt2 = pin(roundColumn(bs2, bs3, bs0, bs1, load<u64>(ctrSchedulePtr, 128)), AES_PIN_B + 16);
  bt3 = pin(roundColumn(bs3, bs0, bs1, bs2, load<u64>(ctrSchedulePtr, 136)), AES_PIN_B + 24);
  at0 = pin(roundColumn(as0, as1, as2, as3, load<u64>(macSchedulePtr, 112)), AES_PIN_A);
  at1 = pin(roundColumn(as1, as2, as3, as0, load<u64>(macSchedulePtr, 120)), AES_PIN_A + 8);
  at2 = pin(roundColumn(as2, as3, as0, as1, load<u64>(macSchedulePtr, 128)), AES_PIN_A + 16);
  at3 = pin(roundColumn(as3, as0, as1, as2, load<u64>(macSchedulePtr, 136)), AES_PIN_A + 24);
  bs0 = pin(roundColumn(bt0, bt1, bt2, bt3, load<u64>(ctrSchedulePtr, 144)), AES_PIN_B);
  bs1 = pin(roundColumn(bt1, bt2, bt3, bt0, load<u64>(ctrSchedulePtr, 152)), AES_PIN_B + 8);
  bs2 = pin(roundColumn(bt2, bt3, bt0, bt1, load<u64>(ctrSchedulePtr, 160)), AES_PIN_B + 16);
  bs3 = pin(roundColumn(bt3, bt0, bt1, bt2, load<u64>(ctrSchedulePtr, 168)), AES_PIN_B + 24);
  as0 = pin(roundColumn(at0, at1, at2, at3, load<u64>(macSchedulePtr, 144)), AES_PIN_A);
  as1 = pin(roundColumn(at1, at2, at3, at0, load<u64>(macSchedulePtr, 152)), AES_PIN_A + 8);
  as2 = pin(roundColumn(at2, at3, at0, at1, load<u64>(macSchedulePtr, 160)), AES_PIN_A + 16);
  as3 = pin(roundColumn(at3, at0, at1, at2, load<u64>(macSchedulePtr, 168)), AES_PIN_A + 24);
  bt0 = pin(roundColumn(bs0, bs1, bs2, bs3, load<u64>(ctrSchedulePtr, 176)), AES_PIN_B);
  bt1 = pin(roundColumn(bs1, bs2, bs3, bs0, load<u64>(ctrSchedulePtr, 184)), AES_PIN_B + 8);
  bt2 = pin(roundColumn(bs2, bs3, bs0, bs1, load<u64>(ctrSchedulePtr, 192)), AES_PIN_B + 16);
  bt3 = pin(roundColumn(bs3, bs0, bs1, bs2, load<u64>(ctrSchedulePtr, 200)), AES_PIN_B + 24);
  at0 = pin(roundColumn(as0, as1, as2, as3, load<u64>(macSchedulePtr, 176)), AES_PIN_A);
  at1 = pin(roundColumn(as1, as2, as3, as0, load<u64>(macSchedulePtr, 184)), AES_PIN_A + 8);
  at2 = pin(roundColumn(as2, as3, as0, as1, load<u64>(macSchedulePtr, 192)), AES_PIN_A + 16);
  at3 = pin(roundColumn(as3, as0, as1, as2, load<u64>(macSchedulePtr, 200)), AES_PIN_A + 24);
  bs0 = pin(roundColumn(bt0, bt1, bt2, bt3, load<u64>(ctrSchedulePtr, 208)), AES_PIN_B);
  bs1 = pin(roundColumn(bt1, bt2, bt3, bt0, load<u64>(ctrSchedulePtr, 216)), AES_PIN_B + 8);
  bs2 = pin(roundColumn(bt2, bt3, bt0, bt1, load<u64>(ctrSchedulePtr, 224)), AES_PIN_B + 16);
  bs3 = pin(roundColumn(bt3, bt0, bt1, bt2, load<u64>(ctrSchedulePtr, 232)), AES_PIN_B + 24);
  as0 = pin(roundColumn(at0, at1, at2, at3, load<u64>(macSchedulePtr, 208)), AES_PIN_A);
  as1 = pin(roundColumn(at1, at2, at3, at0, load<u64>(macSchedulePtr, 216)), AES_PIN_A + 8);
  as2 = pin(roundColumn(at2, at3, at0, at1, load<u64>(macSchedulePtr, 224)), AES_PIN_A + 16);
  as3 = pin(roundColumn(at3, at0, at1, at2, load<u64>(macSchedulePtr, 232)), AES_PIN_A + 24);
  bt0 = pin(roundColumn(bs0, bs1, bs2, bs3, load<u64>(ctrSchedulePtr, 240)), AES_PIN_B);
  bt1 = pin(roundColumn(bs1, bs2, bs3, bs0, load<u64>(ctrSchedulePtr, 248)), AES_PIN_B + 8);
  bt2 = pin(roundColumn(bs2, bs3, bs0, bs1, load<u64>(ctrSchedulePtr, 256)), AES_PIN_B + 16);
  bt3 = pin(roundColumn(bs3, bs0, bs1, bs2, load<u64>(ctrSchedulePtr, 264)), AES_PIN_B + 24);
  at0 = pin(roundColumn(as0, as1, as2, as3, load<u64>(macSchedulePtr, 240)), AES_PIN_A);
  at1 = pin(roundColumn(as1, as2, as3, as0, load<u64>(macSchedulePtr, 248)), AES_PIN_A + 8);
  at2 = pin(roundColumn(as2, as3, as0, as1, load<u64>(macSchedulePtr, 256)), AES_PIN_A + 16);
  at3 = pin(roundColumn(as3, as0, as1, as2, load<u64>(macSchedulePtr, 264)), AES_PIN_A + 24);
  bs0 = pin(roundColumn(bt0, bt1, bt2, bt3, load<u64>(ctrSchedulePtr, 272)), AES_PIN_B);
  bs1 = pin(roundColumn(bt1, bt2, bt3, bt0, load<u64>(ctrSchedulePtr, 280)), AES_PIN_B + 8);
  bs2 = pin(roundColumn(bt2, bt3, bt0, bt1, load<u64>(ctrSchedulePtr, 288)), AES_PIN_B + 16);
  bs3 = pin(roundColumn(bt3, bt0, bt1, bt2, load<u64>(ctrSchedulePtr, 296)), AES_PIN_B + 24);
  as0 = pin(roundColumn(at0, at1, at2, at3, load<u64>(macSchedulePtr, 272)), AES_PIN_A);
  as1 = pin(roundColumn(at1, at2, at3, at0, load<u64>(macSchedulePtr, 280)), AES_PIN_A + 8);
  as2 = pin(roundColumn(at2, at3, at0, at1, load<u64>(macSchedulePtr, 288)), AES_PIN_A + 16);
  as3 = pin(roundColumn(at3, at0, at1, at2, load<u64>(macSchedulePtr, 296)), AES_PIN_A + 24);
  bt0 = pin(roundColumn(bs0, bs1, bs2, bs3, load<u64>(ctrSchedulePtr, 304)), AES_PIN_B);
  bt1 = pin(roundColumn(bs1, bs2, bs3, bs0, load<u64>(ctrSchedulePtr, 312)), AES_PIN_B + 8);
  bt2 = pin(roundColumn(bs2, bs3, bs0, bs1, load<u64>(ctrSchedulePtr, 320)), AES_PIN_B + 16);
  bt3 = pin(roundColumn(bs3, bs0, bs1, bs2, load<u64>(ctrSchedulePtr, 328)), AES_PIN_B + 24);
  at0 = pin(roundColumn(as0, as1, as2, as3, load<u64>(macSchedulePtr, 304)), AES_PIN_A);
  at1 = pin(roundColumn(as1, as2, as3, as0, load<u64>(macSchedulePtr, 312)), AES_PIN_A + 8);
  at2 = pin(roundColumn(as2, as3, as0, as1, load<u64>(macSchedulePtr, 320)), AES_PIN_A + 16);
  at3 = pin(roundColumn(as3, as0, as1, as2, load<u64>(macSchedulePtr, 328)), AES_PIN_A + 24);
  bs0 = pin(roundColumn(bt0, bt1, bt2, bt3, load<u64>(ctrSchedulePtr, 336)), AES_PIN_B);
  bs1 = pin(roundColumn(bt1, bt2, bt3, bt0, load<u64>(ctrSchedulePtr, 344)), AES_PIN_B + 8);
  bs2 = pin(roundColumn(bt2, bt3, bt0, bt1, load<u64>(ctrSchedulePtr, 352)), AES_PIN_B + 16);
  bs3 = pin(roundColumn(bt3, bt0, bt1, bt2, load<u64>(ctrSchedulePtr, 360)), AES_PIN_B + 24);
  as0 = pin(roundColumn(at0, at1, at2, at3, load<u64>(macSchedulePtr, 336)), AES_PIN_A);
  as1 = pin(roundColumn(at1, at2, at3, at0, load<u64>(macSchedulePtr, 344)), AES_PIN_A + 8);
  as2 = pin(roundColumn(at2, at3, at0, at1, load<u64>(macSchedulePtr, 352)), AES_PIN_A + 16);
  as3 = pin(roundColumn(at3, at0, at1, at2, load<u64>(macSchedulePtr, 360)), AES_PIN_A + 24);
  bt0 = pin(roundColumn(bs0, bs1, bs2, bs3, load<u64>(ctrSchedulePtr, 368)), AES_PIN_B);
  bt1 = pin(roundColumn(bs1, bs2, bs3, bs0, load<u64>(ctrSchedulePtr, 376)), AES_PIN_B + 8);
  bt2 = pin(roundColumn(bs2, bs3, bs0, bs1, load<u64>(ctrSchedulePtr, 384)), AES_PIN_B + 16);
  bt3 = pin(roundColumn(bs3, bs0, bs1, bs2, load<u64>(ctrSchedulePtr, 392)), AES_PIN_B + 24);
  at0 = pin(roundColumn(as0, as1, as2, as3, load<u64>(macSchedulePtr, 368)), AES_PIN_A);
  at1 = pin(roundColumn(as1, as2, as3, as0, load<u64>(macSchedulePtr, 376)), AES_PIN_A + 8);
  at2 = pin(roundColumn(as2, as3, as0, as1, load<u64>(macSchedulePtr, 384)), AES_PIN_A + 16);
  at3 = pin(roundColumn(as3, as0, as1, as2, load<u64>(macSchedulePtr, 392)), AES_PIN_A + 24);
  bs0 = pin(roundColumn(bt0, bt1, bt2, bt3, load<u64>(ctrSchedulePtr, 400)), AES_PIN_B);
  bs1 = pin(roundColumn(bt1, bt2, bt3, bt0, load<u64>(ctrSchedulePtr, 408)), AES_PIN_B + 8);
  bs2 = pin(roundColumn(bt2, bt3, bt0, bt1, load<u64>(ctrSchedulePtr, 416)), AES_PIN_B + 16);
  bs3 = pin(roundColumn(bt3, bt0, bt1, bt2, load<u64>(ctrSchedulePtr, 424)), AES_PIN_B + 24);
  as0 = pin(roundColumn(at0, at1, at2, at3, load<u64>(macSchedulePtr, 400)), AES_PIN_A);
  as1 = pin(roundColumn(at1, at2, at3, at0, load<u64>(macSchedulePtr, 408)), AES_PIN_A + 8);
  as2 = pin(roundColumn(at2, at3, at0, at1, load<u64>(macSchedulePtr, 416)), AES_PIN_A + 16);
  as3 = pin(roundColumn(at3, at0, at1, at2, load<u64>(macSchedulePtr, 424)), AES_PIN_A + 24);
  const bout0 = lastRoundColumn(bs0, bs1, bs2, bs3, load<u32>(ctrSchedulePtr, 432));
  store<u32>(dataPtr, bout0 ^ load<u32>(dataPtr));
  const bout1 = lastRoundColumn(bs1, bs2, bs3, bs0, load<u32>(ctrSchedulePtr, 436));
  store<u32>(dataPtr, bout1 ^ load<u32>(dataPtr, 4), 4);
  const bout2 = lastRoundColumn(bs2, bs3, bs0, bs1, load<u32>(ctrSchedulePtr, 440));
  store<u32>(dataPtr, bout2 ^ load<u32>(dataPtr, 8), 8);
  const bout3 = lastRoundColumn(bs3, bs0, bs1, bs2, load<u32>(ctrSchedulePtr, 444));
  store<u32>(dataPtr, bout3 ^ load<u32>(dataPtr, 12), 12);
  store<u32>(macStatePtr, lastRoundColumn(as0, as1, as2, as3, load<u32>(macSchedulePtr, 432)));
  store<u32>(macStatePtr, lastRoundColumn(as1, as2, as3, as0, load<u32>(macSchedulePtr, 436)), 4);
  store<u32>(macStatePtr, lastRoundColumn(as2, as3, as0, as1, load<u32>(macSchedulePtr, 440)), 8);
  store<u32>(macStatePtr, lastRoundColumn(as3, as0, as1, as2, load<u32>(macSchedulePtr, 444)), 12);
}

/**
 * Two consecutive counter blocks, words `counterWord` and `counterWord + 1` (caches A and B,
 * prepared), rounds interleaved, XORed into the 32 bytes at `dataPtr`.
 */
// @ts-ignore: decorator
@inline
export function encryptCounterPair256(
  schedulePtr: usize,
  counterWord: u32,
  counterCacheAPtr: usize,
  counterCacheBPtr: usize,
  dataPtr: usize,
): void {
  const blockAPtr = dataPtr;
  const blockBPtr = dataPtr + 16;
  const au0 = cachedFirstRoundColumn0(counterCacheAPtr, counterWord);
  const bu0 = cachedFirstRoundColumn0(counterCacheBPtr, (counterWord + 1));
  let at0 = pin(load<u64>(counterCacheAPtr, 8) ^ load<u64>(lane0(au0), TE0), AES_PIN_A);
  let at1 = pin(load<u64>(counterCacheAPtr, 16) ^ load<u64>(lane3(au0), TE3), AES_PIN_A + 8);
  let at2 = pin(load<u64>(counterCacheAPtr, 24) ^ load<u64>(lane2(au0), TE2), AES_PIN_A + 16);
  let at3 = pin(load<u64>(counterCacheAPtr, 32) ^ load<u64>(lane1(au0), TE1), AES_PIN_A + 24);
  let bt0 = pin(load<u64>(counterCacheBPtr, 8) ^ load<u64>(lane0(bu0), TE0), AES_PIN_B);
  let bt1 = pin(load<u64>(counterCacheBPtr, 16) ^ load<u64>(lane3(bu0), TE3), AES_PIN_B + 8);
  let bt2 = pin(load<u64>(counterCacheBPtr, 24) ^ load<u64>(lane2(bu0), TE2), AES_PIN_B + 16);
  let bt3 = pin(load<u64>(counterCacheBPtr, 32) ^ load<u64>(lane1(bu0), TE1), AES_PIN_B + 24);
  let as0 = pin(roundColumn(at0, at1, at2, at3, load<u64>(schedulePtr, 80)), AES_PIN_A);
  let as1 = pin(roundColumn(at1, at2, at3, at0, load<u64>(schedulePtr, 88)), AES_PIN_A + 8);
  let as2 = pin(roundColumn(at2, at3, at0, at1, load<u64>(schedulePtr, 96)), AES_PIN_A + 16);
  let as3 = pin(roundColumn(at3, at0, at1, at2, load<u64>(schedulePtr, 104)), AES_PIN_A + 24);
  let bs0 = pin(roundColumn(bt0, bt1, bt2, bt3, load<u64>(schedulePtr, 80)), AES_PIN_B);
  let bs1 = pin(roundColumn(bt1, bt2, bt3, bt0, load<u64>(schedulePtr, 88)), AES_PIN_B + 8);
  let bs2 = pin(roundColumn(bt2, bt3, bt0, bt1, load<u64>(schedulePtr, 96)), AES_PIN_B + 16);
  let bs3 = pin(roundColumn(bt3, bt0, bt1, bt2, load<u64>(schedulePtr, 104)), AES_PIN_B + 24);
  at0 = pin(roundColumn(as0, as1, as2, as3, load<u64>(schedulePtr, 112)), AES_PIN_A);
  at1 = pin(roundColumn(as1, as2, as3, as0, load<u64>(schedulePtr, 120)), AES_PIN_A + 8);
  at2 = pin(roundColumn(as2, as3, as0, as1, load<u64>(schedulePtr, 128)), AES_PIN_A + 16);
  at3 = pin(roundColumn(as3, as0, as1, as2, load<u64>(schedulePtr, 136)), AES_PIN_A + 24);
  bt0 = pin(roundColumn(bs0, bs1, bs2, bs3, load<u64>(schedulePtr, 112)), AES_PIN_B);
  bt1 = pin(roundColumn(bs1, bs2, bs3, bs0, load<u64>(schedulePtr, 120)), AES_PIN_B + 8);
  bt2 = pin(roundColumn(bs2, bs3, bs0, bs1, load<u64>(schedulePtr, 128)), AES_PIN_B + 16);
  bt3 = pin(roundColumn(bs3, bs0, bs1, bs2, load<u64>(schedulePtr, 136)), AES_PIN_B + 24);
  as0 = pin(roundColumn(at0, at1, at2, at3, load<u64>(schedulePtr, 144)), AES_PIN_A);
  as1 = pin(roundColumn(at1, at2, at3, at0, load<u64>(schedulePtr, 152)), AES_PIN_A + 8);
  as2 = pin(roundColumn(at2, at3, at0, at1, load<u64>(schedulePtr, 160)), AES_PIN_A + 16);
  as3 = pin(roundColumn(at3, at0, at1, at2, load<u64>(schedulePtr, 168)), AES_PIN_A + 24);
  bs0 = pin(roundColumn(bt0, bt1, bt2, bt3, load<u64>(schedulePtr, 144)), AES_PIN_B);
  bs1 = pin(roundColumn(bt1, bt2, bt3, bt0, load<u64>(schedulePtr, 152)), AES_PIN_B + 8);
  bs2 = pin(roundColumn(bt2, bt3, bt0, bt1, load<u64>(schedulePtr, 160)), AES_PIN_B + 16);
  bs3 = pin(roundColumn(bt3, bt0, bt1, bt2, load<u64>(schedulePtr, 168)), AES_PIN_B + 24);
  at0 = pin(roundColumn(as0, as1, as2, as3, load<u64>(schedulePtr, 176)), AES_PIN_A);
  at1 = pin(roundColumn(as1, as2, as3, as0, load<u64>(schedulePtr, 184)), AES_PIN_A + 8);
  at2 = pin(roundColumn(as2, as3, as0, as1, load<u64>(schedulePtr, 192)), AES_PIN_A + 16);
  at3 = pin(roundColumn(as3, as0, as1, as2, load<u64>(schedulePtr, 200)), AES_PIN_A + 24);
  bt0 = pin(roundColumn(bs0, bs1, bs2, bs3, load<u64>(schedulePtr, 176)), AES_PIN_B);
  bt1 = pin(roundColumn(bs1, bs2, bs3, bs0, load<u64>(schedulePtr, 184)), AES_PIN_B + 8);
  bt2 = pin(roundColumn(bs2, bs3, bs0, bs1, load<u64>(schedulePtr, 192)), AES_PIN_B + 16);
  bt3 = pin(roundColumn(bs3, bs0, bs1, bs2, load<u64>(schedulePtr, 200)), AES_PIN_B + 24);
  as0 = pin(roundColumn(at0, at1, at2, at3, load<u64>(schedulePtr, 208)), AES_PIN_A);
  as1 = pin(roundColumn(at1, at2, at3, at0, load<u64>(schedulePtr, 216)), AES_PIN_A + 8);
  as2 = pin(roundColumn(at2, at3, at0, at1, load<u64>(schedulePtr, 224)), AES_PIN_A + 16);
  as3 = pin(roundColumn(at3, at0, at1, at2, load<u64>(schedulePtr, 232)), AES_PIN_A + 24);
  bs0 = pin(roundColumn(bt0, bt1, bt2, bt3, load<u64>(schedulePtr, 208)), AES_PIN_B);
  bs1 = pin(roundColumn(bt1, bt2, bt3, bt0, load<u64>(schedulePtr, 216)), AES_PIN_B + 8);
  bs2 = pin(roundColumn(bt2, bt3, bt0, bt1, load<u64>(schedulePtr, 224)), AES_PIN_B + 16);
  bs3 = pin(roundColumn(bt3, bt0, bt1, bt2, load<u64>(schedulePtr, 232)), AES_PIN_B + 24);
  at0 = pin(roundColumn(as0, as1, as2, as3, load<u64>(schedulePtr, 240)), AES_PIN_A);
  at1 = pin(roundColumn(as1, as2, as3, as0, load<u64>(schedulePtr, 248)), AES_PIN_A + 8);
  at2 = pin(roundColumn(as2, as3, as0, as1, load<u64>(schedulePtr, 256)), AES_PIN_A + 16);
  at3 = pin(roundColumn(as3, as0, as1, as2, load<u64>(schedulePtr, 264)), AES_PIN_A + 24);
  bt0 = pin(roundColumn(bs0, bs1, bs2, bs3, load<u64>(schedulePtr, 240)), AES_PIN_B);
  bt1 = pin(roundColumn(bs1, bs2, bs3, bs0, load<u64>(schedulePtr, 248)), AES_PIN_B + 8);
  bt2 = pin(roundColumn(bs2, bs3, bs0, bs1, load<u64>(schedulePtr, 256)), AES_PIN_B + 16);
  bt3 = pin(roundColumn(bs3, bs0, bs1, bs2, load<u64>(schedulePtr, 264)), AES_PIN_B + 24);
  as0 = pin(roundColumn(at0, at1, at2, at3, load<u64>(schedulePtr, 272)), AES_PIN_A);
  as1 = pin(roundColumn(at1, at2, at3, at0, load<u64>(schedulePtr, 280)), AES_PIN_A + 8);
  as2 = pin(roundColumn(at2, at3, at0, at1, load<u64>(schedulePtr, 288)), AES_PIN_A + 16);
  as3 = pin(roundColumn(at3, at0, at1, at2, load<u64>(schedulePtr, 296)), AES_PIN_A + 24);
  bs0 = pin(roundColumn(bt0, bt1, bt2, bt3, load<u64>(schedulePtr, 272)), AES_PIN_B);
  bs1 = pin(roundColumn(bt1, bt2, bt3, bt0, load<u64>(schedulePtr, 280)), AES_PIN_B + 8);
  bs2 = pin(roundColumn(bt2, bt3, bt0, bt1, load<u64>(schedulePtr, 288)), AES_PIN_B + 16);
  bs3 = pin(roundColumn(bt3, bt0, bt1, bt2, load<u64>(schedulePtr, 296)), AES_PIN_B + 24);
  at0 = pin(roundColumn(as0, as1, as2, as3, load<u64>(schedulePtr, 304)), AES_PIN_A);
  at1 = pin(roundColumn(as1, as2, as3, as0, load<u64>(schedulePtr, 312)), AES_PIN_A + 8);
  at2 = pin(roundColumn(as2, as3, as0, as1, load<u64>(schedulePtr, 320)), AES_PIN_A + 16);
  at3 = pin(roundColumn(as3, as0, as1, as2, load<u64>(schedulePtr, 328)), AES_PIN_A + 24);
  bt0 = pin(roundColumn(bs0, bs1, bs2, bs3, load<u64>(schedulePtr, 304)), AES_PIN_B);
  bt1 = pin(roundColumn(bs1, bs2, bs3, bs0, load<u64>(schedulePtr, 312)), AES_PIN_B + 8);
  bt2 = pin(roundColumn(bs2, bs3, bs0, bs1, load<u64>(schedulePtr, 320)), AES_PIN_B + 16);
  bt3 = pin(roundColumn(bs3, bs0, bs1, bs2, load<u64>(schedulePtr, 328)), AES_PIN_B + 24);
  as0 = pin(roundColumn(at0, at1, at2, at3, load<u64>(schedulePtr, 336)), AES_PIN_A);
  as1 = pin(roundColumn(at1, at2, at3, at0, load<u64>(schedulePtr, 344)), AES_PIN_A + 8);
  as2 = pin(roundColumn(at2, at3, at0, at1, load<u64>(schedulePtr, 352)), AES_PIN_A + 16);
  as3 = pin(roundColumn(at3, at0, at1, at2, load<u64>(schedulePtr, 360)), AES_PIN_A + 24);
  bs0 = pin(roundColumn(bt0, bt1, bt2, bt3, load<u64>(schedulePtr, 336)), AES_PIN_B);
  bs1 = pin(roundColumn(bt1, bt2, bt3, bt0, load<u64>(schedulePtr, 344)), AES_PIN_B + 8);
  bs2 = pin(roundColumn(bt2, bt3, bt0, bt1, load<u64>(schedulePtr, 352)), AES_PIN_B + 16);
  bs3 = pin(roundColumn(bt3, bt0, bt1, bt2, load<u64>(schedulePtr, 360)), AES_PIN_B + 24);
  at0 = pin(roundColumn(as0, as1, as2, as3, load<u64>(schedulePtr, 368)), AES_PIN_A);
  at1 = pin(roundColumn(as1, as2, as3, as0, load<u64>(schedulePtr, 376)), AES_PIN_A + 8);
  at2 = pin(roundColumn(as2, as3, as0, as1, load<u64>(schedulePtr, 384)), AES_PIN_A + 16);
  at3 = pin(roundColumn(as3, as0, as1, as2, load<u64>(schedulePtr, 392)), AES_PIN_A + 24);
  bt0 = pin(roundColumn(bs0, bs1, bs2, bs3, load<u64>(schedulePtr, 368)), AES_PIN_B);
  bt1 = pin(roundColumn(bs1, bs2, bs3, bs0, load<u64>(schedulePtr, 376)), AES_PIN_B + 8);
  bt2 = pin(roundColumn(bs2, bs3, bs0, bs1, load<u64>(schedulePtr, 384)), AES_PIN_B + 16);
  bt3 = pin(roundColumn(bs3, bs0, bs1, bs2, load<u64>(schedulePtr, 392)), AES_PIN_B + 24);
  as0 = pin(roundColumn(at0, at1, at2, at3, load<u64>(schedulePtr, 400)), AES_PIN_A);
  as1 = pin(roundColumn(at1, at2, at3, at0, load<u64>(schedulePtr, 408)), AES_PIN_A + 8);
  as2 = pin(roundColumn(at2, at3, at0, at1, load<u64>(schedulePtr, 416)), AES_PIN_A + 16);
  as3 = pin(roundColumn(at3, at0, at1, at2, load<u64>(schedulePtr, 424)), AES_PIN_A + 24);
  bs0 = pin(roundColumn(bt0, bt1, bt2, bt3, load<u64>(schedulePtr, 400)), AES_PIN_B);
  bs1 = pin(roundColumn(bt1, bt2, bt3, bt0, load<u64>(schedulePtr, 408)), AES_PIN_B + 8);
  bs2 = pin(roundColumn(bt2, bt3, bt0, bt1, load<u64>(schedulePtr, 416)), AES_PIN_B + 16);
  bs3 = pin(roundColumn(bt3, bt0, bt1, bt2, load<u64>(schedulePtr, 424)), AES_PIN_B + 24);
  const aout0 = lastRoundColumn(as0, as1, as2, as3, load<u32>(schedulePtr, 432));
  store<u32>(blockAPtr, aout0 ^ load<u32>(blockAPtr));
  const aout1 = lastRoundColumn(as1, as2, as3, as0, load<u32>(schedulePtr, 436));
  store<u32>(blockAPtr, aout1 ^ load<u32>(blockAPtr, 4), 4);
  const aout2 = lastRoundColumn(as2, as3, as0, as1, load<u32>(schedulePtr, 440));
  store<u32>(blockAPtr, aout2 ^ load<u32>(blockAPtr, 8), 8);
  const aout3 = lastRoundColumn(as3, as0, as1, as2, load<u32>(schedulePtr, 444));
  store<u32>(blockAPtr, aout3 ^ load<u32>(blockAPtr, 12), 12);
  const bout0 = lastRoundColumn(bs0, bs1, bs2, bs3, load<u32>(schedulePtr, 432));
  store<u32>(blockBPtr, bout0 ^ load<u32>(blockBPtr));
  const bout1 = lastRoundColumn(bs1, bs2, bs3, bs0, load<u32>(schedulePtr, 436));
  store<u32>(blockBPtr, bout1 ^ load<u32>(blockBPtr, 4), 4);
  const bout2 = lastRoundColumn(bs2, bs3, bs0, bs1, load<u32>(schedulePtr, 440));
  store<u32>(blockBPtr, bout2 ^ load<u32>(blockBPtr, 8), 8);
  const bout3 = lastRoundColumn(bs3, bs0, bs1, bs2, load<u32>(schedulePtr, 444));
  store<u32>(blockBPtr, bout3 ^ load<u32>(blockBPtr, 12), 12);
}

/** Encrypts like `encryptColumns256` under a 10- or 12-round schedule, looping the rounds. */
function encryptColumnsLooped(
  schedulePtr: usize,
  rounds: u32,
  in0: u32,
  in1: u32,
  in2: u32,
  in3: u32,
  outPtr: usize,
): void {
  const c0 = in0 ^ load<u32>(schedulePtr);
  const c1 = in1 ^ load<u32>(schedulePtr, 4);
  const c2 = in2 ^ load<u32>(schedulePtr, 8);
  const c3 = in3 ^ load<u32>(schedulePtr, 12);
  let s0 = pin(firstRoundColumn(c0, c1, c2, c3, load<u64>(schedulePtr, 16)), AES_PIN_A);
  let s1 = pin(firstRoundColumn(c1, c2, c3, c0, load<u64>(schedulePtr, 24)), AES_PIN_A + 8);
  let s2 = pin(firstRoundColumn(c2, c3, c0, c1, load<u64>(schedulePtr, 32)), AES_PIN_A + 16);
  let s3 = pin(firstRoundColumn(c3, c0, c1, c2, load<u64>(schedulePtr, 40)), AES_PIN_A + 24);
  const lastRoundKeyPtr = schedulePtr + scheduleBytes(rounds) - 16;
  for (let roundKeyPtr = schedulePtr + 48; roundKeyPtr < lastRoundKeyPtr; roundKeyPtr += 32) {
    const t0 = pin(roundColumn(s0, s1, s2, s3, load<u64>(roundKeyPtr)), AES_PIN_A);
    const t1 = pin(roundColumn(s1, s2, s3, s0, load<u64>(roundKeyPtr, 8)), AES_PIN_A + 8);
    const t2 = pin(roundColumn(s2, s3, s0, s1, load<u64>(roundKeyPtr, 16)), AES_PIN_A + 16);
    const t3 = pin(roundColumn(s3, s0, s1, s2, load<u64>(roundKeyPtr, 24)), AES_PIN_A + 24);
    s0 = t0;
    s1 = t1;
    s2 = t2;
    s3 = t3;
  }
  store<u32>(outPtr, lastRoundColumn(s0, s1, s2, s3, load<u32>(lastRoundKeyPtr)));
  store<u32>(outPtr, lastRoundColumn(s1, s2, s3, s0, load<u32>(lastRoundKeyPtr, 4)), 4);
  store<u32>(outPtr, lastRoundColumn(s2, s3, s0, s1, load<u32>(lastRoundKeyPtr, 8)), 8);
  store<u32>(outPtr, lastRoundColumn(s3, s0, s1, s2, load<u32>(lastRoundKeyPtr, 12)), 12);
}

/**
 * Encrypts the block whose packed columns are `in0..in3` under a schedule of `rounds` rounds and
 * stores the result at `outPtr`.
 */
export function encryptColumns(
  schedulePtr: usize,
  rounds: u32,
  in0: u32,
  in1: u32,
  in2: u32,
  in3: u32,
  outPtr: usize,
): void {
  if (rounds == 14) {
    encryptColumns256(schedulePtr, in0, in1, in2, in3, outPtr);
  } else {
    encryptColumnsLooped(schedulePtr, rounds, in0, in1, in2, in3, outPtr);
  }
}

/** Encrypts the block at `blockPtr` in place under a schedule of `rounds` rounds. */
export function encryptBlock(schedulePtr: usize, rounds: u32, blockPtr: usize): void {
  encryptColumns(
    schedulePtr,
    rounds,
    load<u32>(blockPtr),
    load<u32>(blockPtr, 4),
    load<u32>(blockPtr, 8),
    load<u32>(blockPtr, 12),
    blockPtr,
  );
}

/**
 * Column c (0..3) of the counter block `high ‖ low`, a 128-bit big-endian integer (SP 800-38A
 * §B.1: the whole block is the counter), in the packed little-endian column layout.
 */
// @ts-ignore: decorator
@inline
function counterColumn0(high: u64): u32 {
  return bigEndianBytes32(<u32>(high >> 32));
}

// @ts-ignore: decorator
@inline
function counterColumn1(high: u64): u32 {
  return bigEndianBytes32(<u32>high);
}

// @ts-ignore: decorator
@inline
function counterColumn2(low: u64): u32 {
  return bigEndianBytes32(<u32>(low >> 32));
}

// @ts-ignore: decorator
@inline
function counterColumn3(low: u64): u32 {
  return bigEndianBytes32(<u32>low);
}

/** `dataPtr[0, 16) ^= keystreamPtr[0, 16)`, in the u32 words the kernels store. */
// @ts-ignore: decorator
@inline
export function xorKeystream(dataPtr: usize, keystreamPtr: usize): void {
  store<u32>(dataPtr, load<u32>(dataPtr) ^ load<u32>(keystreamPtr));
  store<u32>(dataPtr, load<u32>(dataPtr, 4) ^ load<u32>(keystreamPtr, 4), 4);
  store<u32>(dataPtr, load<u32>(dataPtr, 8) ^ load<u32>(keystreamPtr, 8), 8);
  store<u32>(dataPtr, load<u32>(dataPtr, 12) ^ load<u32>(keystreamPtr, 12), 12);
}

/** One keystream block E(high ‖ low) at `keystreamPtr`. */
function encryptCounter(
  schedulePtr: usize,
  rounds: u32,
  high: u64,
  low: u64,
  keystreamPtr: usize,
): void {
  encryptColumns(
    schedulePtr,
    rounds,
    counterColumn0(high),
    counterColumn1(high),
    counterColumn2(low),
    counterColumn3(low),
    keystreamPtr,
  );
}

/**
 * CTR mode (SP 800-38A §6.5): XORs `dataPtr[0, len)` in place with the keystream
 * E(iv), E(iv + 1), … where the whole 16-byte block is one big-endian counter, wrapping modulo
 * 2^128. The keystream passes through KEYSTREAM_BLOCKS, which the caller wipes.
 */
export function ctr(
  schedulePtr: usize,
  rounds: u32,
  ivPtr: usize,
  dataPtr: usize,
  len: usize,
): void {
  let high = loadBe64(ivPtr);
  let low = loadBe64(ivPtr + 8);
  let offset: usize = 0;
  for (; offset + 16 <= len; offset += 16) {
    encryptCounter(schedulePtr, rounds, high, low, KEYSTREAM_BLOCKS);
    xorKeystream(dataPtr + offset, KEYSTREAM_BLOCKS);
    low += 1;
    high += <u64>(low == 0);
  }
  if (offset < len) {
    encryptCounter(schedulePtr, rounds, high, low, KEYSTREAM_BLOCKS);
    for (let i: usize = 0; offset + i < len; i++) {
      const bytePtr = dataPtr + offset + i;
      store<u8>(bytePtr, load<u8>(bytePtr) ^ load<u8>(KEYSTREAM_BLOCKS + i));
    }
  }
}

/**
 * CTR under a 14-round schedule whose counter is only the last 32-bit big-endian word of the
 * block at `ivPtr`, the caller guaranteeing it does not wrap within `len` bytes (AES-SIV's Q,
 * RFC 5297 §2.5). Two cached counter blocks at a time; the caches at `counterCachesPtr`
 * (two, COUNTER_CACHE_BYTES each) and KEYSTREAM_BLOCKS are scratch the caller wipes.
 */
export function ctr256WordCounter(
  schedulePtr: usize,
  ivPtr: usize,
  dataPtr: usize,
  len: usize,
  counterCachesPtr: usize,
): void {
  const counterCacheAPtr = counterCachesPtr;
  const counterCacheBPtr = counterCachesPtr + COUNTER_CACHE_BYTES;
  clearCounterCache(counterCacheAPtr);
  clearCounterCache(counterCacheBPtr);
  let counterWord = loadBe32(ivPtr + 12);
  let offset: usize = 0;
  for (; offset + 32 <= len; offset += 32) {
    prepareCounterCache(schedulePtr, ivPtr, counterWord, counterCacheAPtr);
    prepareCounterCache(schedulePtr, ivPtr, counterWord + 1, counterCacheBPtr);
    const blockPtr = dataPtr + offset;
    encryptCounterPair256(schedulePtr, counterWord, counterCacheAPtr, counterCacheBPtr, blockPtr);
    counterWord += 2;
  }
  const c0 = load<u32>(ivPtr);
  const c1 = load<u32>(ivPtr, 4);
  const c2 = load<u32>(ivPtr, 8);
  for (; offset < len; offset += 16) {
    encryptColumns(schedulePtr, 14, c0, c1, c2, bigEndianBytes32(counterWord), KEYSTREAM_BLOCKS);
    for (let i: usize = 0; i < 16 && offset + i < len; i++) {
      const bytePtr = dataPtr + offset + i;
      store<u8>(bytePtr, load<u8>(bytePtr) ^ load<u8>(KEYSTREAM_BLOCKS + i));
    }
    counterWord += 1;
  }
}
