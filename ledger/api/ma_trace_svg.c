/*
 * ma_trace_svg.c — a trace as a flow picture (GET /v1/trace?format=svg,
 * `medel trace --format svg`), in the manner of a Sankey diagram, for a
 * controller's browser. Called by ma_format.c with the model of the
 * answer (ma_trace.h) and the words of the asked language (struct
 * ma_words: titles, labels, the legend); the bytes go into the
 * response's body, whose ceiling bounds them.
 *
 * Columns, left to right: the payer (holding the grant's pool), then the
 * parties by how many payouts away from the payer they are, and at the
 * right where the money ended: spent (one box per party and activity),
 * repaid (to whom), carried out, and still held. Every party is a bar as
 * tall as the money that passed through it; every flow is a band as wide
 * as its amount, so a band's width can be compared with any other's.
 * Money that came to a party from outside the chain (carried in from
 * another grant, repayments got back) enters as a short band from the
 * left with its own label. Because each party balances (rules.md), the
 * bands leaving a bar fill it exactly as the bands arriving do.
 *
 * The payer's bar is only what left it. What it still holds of its pool
 * is said in its label ("keeps … (not drawn)"), not drawn: a national
 * grant's pool is thousands of times what one county's chain received,
 * and drawing it would shrink the chain to hairlines. What others repaid
 * to the payer is drawn once, as "repaid → payer" at the right.
 *
 * Labels: every bar and box carries its amount in kronor
 * (ml_money_format), as text of class "amount" with data-kind "party",
 * "sink", "source" or "kept", so a reader (or a test) can check that the
 * sinks and what the payer keeps add up to the pool plus what entered
 * from outside. Text is escaped (ma_svg_text); activity names are cut
 * to 44 columns. Sizes: the tallest
 * column is drawn 560 px high, each bar at least 1.5 px and each row at
 * least 20 px so labels never overlap; the canvas grows to fit. More
 * than MA_SVG_SINKS_MAX ends is refused (413): no one reads such a
 * picture, and the CSV of the same answer lists them all.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_money.h"

#include "ma_format.h"
#include "ma_text.h"

#define MA_SVG_WIDTH_PX     1500.0
#define MA_SVG_TOP_PX       84.0
#define MA_SVG_LEFT_PX      40.0
#define MA_SVG_LABELS_PX    540.0
#define MA_SVG_BAR_PX       14.0
#define MA_SVG_TALLEST_PX   560.0
#define MA_SVG_ROW_PX       20.0
#define MA_SVG_PARTY_ROW_PX 32.0
#define MA_SVG_GAP_PX       8.0
#define MA_SVG_LABEL_COLS   44
#define MA_SVG_TITLE_COLS   72 /* the grant's name in the title */
#define MA_SVG_PARTY_COLS   28 /* a party's name: one column's width */

/* One element written with ma_svg_printf (the head is the longest, about
 * 500 bytes); a label's free text is written apart (ma_svg_text), and a
 * sink's text is at most this before it is cut to MA_SVG_LABEL_COLS. */
#define MA_SVG_LINE_BYTES_MAX 2048

enum ma_box_kind {
	MA_BOX_PARTY,
	MA_BOX_SPENT,
	MA_BOX_REPAID,
	MA_BOX_CARRIED_OUT,
	MA_BOX_HELD
};

struct ma_box {
	enum ma_box_kind kind;
	size_t node;    /* the party (for a sink: the one it comes from) */
	size_t ref;     /* activity or edge index */
	int col;        /* 0 = the payer's … cols − 1 = the sinks */
	int64_t ore;    /* the money it stands for */
	double key;     /* order within the column */
	double x, y, h; /* px: left, top, height */
	double in_px, out_px; /* px of band already attached on each side */
};

struct ma_svg {
	const struct ma_trace *t;
	const struct ma_words *w;
	struct ml_buf *out;
	int rc; /* 0, or the first failure to write (sticky) */
	struct ma_box *boxes;
	size_t n_boxes, n_sinks;
	size_t *party_box; /* node → box, or SIZE_MAX */
	int cols;
	double scale; /* px per öre */
	double height;
};

static void ma_svg_put(struct ma_svg *s, const char *bytes, size_t len)
{
	if (s->rc == 0)
		s->rc = ml_buf_add(s->out, bytes, len);
}

static void ma_svg_puts(struct ma_svg *s, const char *text)
{
	ma_svg_put(s, text, strlen(text));
}

static void ma_svg_printf(struct ma_svg *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void ma_svg_printf(struct ma_svg *s, const char *fmt, ...)
{
	char line[MA_SVG_LINE_BYTES_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof line) {
		s->rc = s->rc ? s->rc : ML_E_TOO_LARGE;
		return;
	}
	ma_svg_put(s, line, (size_t)n);
}

/* Text XML-escaped (&, <, >, ", '). */
static void ma_svg_text(struct ma_svg *s, const char *text)
{
	for (; text != NULL && *text != '\0'; text++) {
		switch (*text) {
		case '&':
			ma_svg_puts(s, "&amp;");
			break;
		case '<':
			ma_svg_puts(s, "&lt;");
			break;
		case '>':
			ma_svg_puts(s, "&gt;");
			break;
		case '"':
			ma_svg_puts(s, "&quot;");
			break;
		case '\'':
			ma_svg_puts(s, "&apos;");
			break;
		default:
			ma_svg_put(s, text, 1);
		}
	}
}

/* text cut to cols display columns ("…" at the end), escaped. */
static void ma_svg_cut(struct ma_svg *s, const char *text, size_t cols)
{
	struct ml_buf cut;
	ml_buf_init(&cut, MA_SVG_LINE_BYTES_MAX);
	ma_text_add(&cut, text ? text : "", cols, true);
	ma_svg_text(s, cut.data ? cut.data : "");
	ml_buf_free(&cut);
}

/* What the payer still holds of its pool (beyond repayments it got
 * back): money that never entered the chain drawn here. */
static int64_t ma_svg_kept(const struct ma_trace *t)
{
	if (t->payer >= t->n_nodes)
		return 0;
	const int64_t *f = t->nodes[t->payer].fig;
	int64_t kept = f[MA_N_HELD] - f[MA_N_RETURNED];
	return kept > 0 ? kept : 0;
}

/* The money a party passes on, which sets its bar's height. The payer's
 * bar is only what left it: a national grant's pool is thousands of
 * times what one county's chain received, and drawing all of it would
 * shrink the chain to hairlines; what it keeps is said in its label. */
static int64_t ma_svg_through(const struct ma_trace *t, size_t i)
{
	const int64_t *f = t->nodes[i].fig;
	int64_t out = f[MA_N_PAID_OUT] + f[MA_N_SPENT] + f[MA_N_REPAID] +
	              f[MA_N_CARRIED_OUT];
	if (i == t->payer)
		return out;
	out += f[MA_N_HELD] > 0 ? f[MA_N_HELD] : 0;
	int64_t in =
	    ma_trace_inflow(t, i) + f[MA_N_CARRIED_IN] + f[MA_N_RETURNED];
	return out > in ? out : in;
}

static void ma_svg_add(struct ma_svg *s, enum ma_box_kind kind, size_t node,
                       size_t ref, int64_t ore)
{
	if (ore <= 0)
		return;
	struct ma_box *b = &s->boxes[s->n_boxes++];
	memset(b, 0, sizeof *b);
	b->kind = kind;
	b->node = node;
	b->ref = ref;
	b->ore = ore;
	b->col = kind == MA_BOX_PARTY ? s->t->nodes[node].depth : s->cols - 1;
	s->n_sinks += kind != MA_BOX_PARTY;
}

/* A party's sinks: activities, repayments, carried out, held. */
static void ma_svg_sinks(struct ma_svg *s, size_t i)
{
	const struct ma_trace *t = s->t;
	const struct ma_trace_node *n = &t->nodes[i];
	for (size_t a = 0; a < n->n_acts; a++)
		ma_svg_add(s, MA_BOX_SPENT, i, a, n->acts[a].amount_ore);
	for (size_t e = 0; e < t->n_edges; e++)
		if (t->edges[e].from == i && t->edges[e].repayment)
			ma_svg_add(s, MA_BOX_REPAID, i, e,
			           t->edges[e].amount_ore);
	ma_svg_add(s, MA_BOX_CARRIED_OUT, i, 0, n->fig[MA_N_CARRIED_OUT]);
	if (i != t->payer)
		ma_svg_add(s, MA_BOX_HELD, i, 0, n->fig[MA_N_HELD]);
}

static int ma_cmp_box(const void *a, const void *b)
{
	const struct ma_box *x = a, *y = b;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->ore != y->ore)
		return x->ore > y->ore ? -1 : 1;
	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	return x->ref < y->ref ? -1 : x->ref > y->ref;
}

/* Sorts the boxes and renumbers party_box. */
static void ma_svg_sort(struct ma_svg *s)
{
	qsort(s->boxes, s->n_boxes, sizeof *s->boxes, ma_cmp_box);
	for (size_t i = 0; i < s->n_boxes; i++)
		if (s->boxes[i].kind == MA_BOX_PARTY)
			s->party_box[s->boxes[i].node] = i;
}

/* The key of a party in column c: the payer first, then each party after
 * the highest party (already placed, in an earlier column) that pays
 * it, parties nobody pays last. */
static double ma_svg_party_key(const struct ma_svg *s, const struct ma_box *b,
                               int c)
{
	const struct ma_trace *t = s->t;
	double key = b->node == t->payer ? -1.0 : 1e12;
	for (size_t e = 0; e < t->n_edges; e++) {
		const struct ma_trace_edge *x = &t->edges[e];
		size_t from = s->party_box[x->from];
		if (x->to != b->node || x->repayment || from == SIZE_MAX ||
		    s->boxes[from].col >= c)
			continue;
		double y = s->boxes[from].y + s->boxes[from].h / 2;
		key = y < key ? y : key;
	}
	return key;
}

/* Places column c's boxes top down, in their sorted order. */
static void ma_svg_place_column(struct ma_svg *s, int c)
{
	double span =
	    MA_SVG_WIDTH_PX - MA_SVG_LEFT_PX - MA_SVG_LABELS_PX - MA_SVG_BAR_PX;
	double y = MA_SVG_TOP_PX;
	for (size_t i = 0; i < s->n_boxes; i++) {
		struct ma_box *b = &s->boxes[i];
		if (b->col != c)
			continue;
		double h = (double)b->ore * s->scale;
		double min = b->kind == MA_BOX_PARTY ? MA_SVG_PARTY_ROW_PX
		                                     : MA_SVG_ROW_PX;
		b->h = h < 1.5 ? 1.5 : h;
		double row = b->h > min ? b->h : min;
		b->x = MA_SVG_LEFT_PX +
		       span * (double)b->col / (double)(s->cols - 1);
		b->y = y + (row - b->h) / 2.0;
		y += row + MA_SVG_GAP_PX;
	}
	if (y + 70.0 > s->height)
		s->height = y + 70.0;
}

/* Orders and places the columns left to right: a party below the one
 * that pays it, a sink beside the party it comes from, so bands cross
 * as little as the chain allows. */
static void ma_svg_layout(struct ma_svg *s)
{
	double sum[MA_SVG_COLUMNS_MAX] = {0}, max = 1.0;
	for (size_t i = 0; i < s->n_boxes; i++)
		sum[s->boxes[i].col] += (double)s->boxes[i].ore;
	for (int c = 0; c < s->cols; c++)
		max = sum[c] > max ? sum[c] : max;
	s->scale = MA_SVG_TALLEST_PX / max;
	s->height = MA_SVG_TOP_PX;
	for (int c = 0; c < s->cols; c++) {
		for (size_t i = 0; i < s->n_boxes; i++) {
			struct ma_box *b = &s->boxes[i];
			const struct ma_box *p =
			    &s->boxes[s->party_box[b->node]];
			if (b->col != c)
				continue;
			b->key =
			    b->kind == MA_BOX_PARTY
			        ? ma_svg_party_key(s, b, c)
			        : (p->y + p->h / 2) * 8.0 + (double)b->kind;
		}
		ma_svg_sort(s);
		ma_svg_place_column(s, c);
	}
}

/* One band from box a's right side to box b's left side. */
static void ma_svg_band(struct ma_svg *s, struct ma_box *a, struct ma_box *b,
                        int64_t ore, const char *colour, const char *title)
{
	double w = (double)ore * s->scale;
	double x0 = a->x + MA_SVG_BAR_PX, x1 = b->x;
	double y0 = a->y + a->out_px, y1 = b->y + b->in_px, xm = (x0 + x1) / 2;
	char money[ML_MONEY_TEXT_MAX];
	a->out_px += w;
	b->in_px += w;
	ma_svg_printf(
	    s,
	    "<path class=\"band\" d=\"M%.1f %.2f C%.1f %.2f %.1f %.2f %.1f "
	    "%.2f L%.1f %.2f C%.1f %.2f %.1f %.2f %.1f %.2f Z\" fill=\"%s\" "
	    "fill-opacity=\"0.45\"><title>",
	    x0, y0, xm, y0, xm, y1, x1, y1, x1, y1 + w, xm, y1 + w, xm, y0 + w,
	    x0, y0 + w, colour);
	ma_svg_text(s, title);
	ma_svg_printf(s, ": %s</title></path>\n",
	              ml_money_format(ore, money, sizeof money));
}

/* Bands into box b from outside the chain: carried in, got back. */
static void ma_svg_sources(struct ma_svg *s, struct ma_box *b)
{
	const struct ma_trace_node *n = &s->t->nodes[b->node];
	const struct {
		enum ma_node_figure fig;
		const char *what;
	} in[] = {{MA_N_CARRIED_IN, s->w->svg_carried_in},
	          {MA_N_RETURNED, s->w->svg_got_back}};
	char money[ML_MONEY_TEXT_MAX];
	for (size_t k = 0; k < 2; k++) {
		int64_t ore = n->fig[in[k].fig];
		if (ore <= 0 || (k == 1 && b->node == s->t->payer))
			continue;
		double w = (double)ore * s->scale, len = 70.0;
		double x0 = b->x - len, y = b->y + b->in_px;
		ma_svg_printf(
		    s,
		    "<path class=\"band source\" d=\"M%.1f %.2f L%.1f "
		    "%.2f L%.1f %.2f L%.1f %.2f Z\" fill=\"#b07aa1\" "
		    "fill-opacity=\"0.45\"/>\n",
		    x0, y, b->x, y, b->x, y + w, x0, y + w);
		ma_svg_printf(s,
		              "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" "
		              "class=\"label\">%s <tspan class=\"amount\" "
		              "data-kind=\"source\">%s</tspan></text>\n",
		              x0 - 4, y + w / 2 + 4, in[k].what,
		              ml_money_format(ore, money, sizeof money));
		b->in_px += w;
	}
}

static const char *ma_sink_colour(enum ma_box_kind k)
{
	switch (k) {
	case MA_BOX_SPENT:
		return "#59a14f";
	case MA_BOX_REPAID:
		return "#f28e2b";
	case MA_BOX_CARRIED_OUT:
		return "#b07aa1";
	default:
		return "#9d9590";
	}
}

/* All bands: sources, payouts in the order of their targets, sinks. */
static void ma_svg_bands(struct ma_svg *s)
{
	const struct ma_trace *t = s->t;
	char title[2 * ML_NAME_MAX + 16];
	for (size_t i = 0; i < s->n_boxes; i++)
		if (s->boxes[i].kind == MA_BOX_PARTY)
			ma_svg_sources(s, &s->boxes[i]);
	for (size_t j = 0; j < s->n_boxes; j++) { /* targets top down */
		for (size_t e = 0; e < t->n_edges; e++) {
			const struct ma_trace_edge *x = &t->edges[e];
			if (x->repayment || s->boxes[j].kind != MA_BOX_PARTY ||
			    x->to != s->boxes[j].node ||
			    s->party_box[x->from] == SIZE_MAX)
				continue;
			snprintf(title, sizeof title, "%s \xe2\x86\x92 %s",
			         t->nodes[x->from].label,
			         t->nodes[x->to].label);
			ma_svg_band(s, &s->boxes[s->party_box[x->from]],
			            &s->boxes[j], x->amount_ore, "#4e79a7",
			            title);
		}
	}
	for (size_t j = 0; j < s->n_boxes; j++) {
		struct ma_box *b = &s->boxes[j];
		if (b->kind == MA_BOX_PARTY)
			continue;
		ma_svg_band(s, &s->boxes[s->party_box[b->node]], b, b->ore,
		            ma_sink_colour(b->kind), t->nodes[b->node].label);
	}
}

/* What a sink box says: the activity, whom it was repaid to, …. */
static void ma_sink_text(const struct ma_svg *s, const struct ma_box *b,
                         struct ml_buf *out)
{
	const struct ma_trace *t = s->t;
	const struct ma_trace_activity *a = &t->nodes[b->node].acts[b->ref];
	struct ml_buf what;
	ml_buf_init(&what, MA_SVG_LINE_BYTES_MAX);
	if (b->kind == MA_BOX_SPENT && a->unit != NULL)
		ml_buf_addf(&what, "%s (%s)", a->activity, a->unit);
	else if (b->kind == MA_BOX_SPENT)
		ml_buf_add_str(&what, a->activity);
	else if (b->kind == MA_BOX_REPAID)
		ml_buf_addf(&what, "%s \xe2\x86\x92 %s", s->w->svg_repaid,
		            t->nodes[t->edges[b->ref].to].label);
	else if (b->kind == MA_BOX_CARRIED_OUT)
		ml_buf_add_str(&what, s->w->svg_carried_out);
	else
		ml_buf_add_str(&what, s->w->svg_held);
	ma_text_add(out, what.data ? what.data : "", MA_SVG_LABEL_COLS, true);
	ml_buf_free(&what);
}

static void ma_svg_label(struct ma_svg *s, const struct ma_box *b)
{
	const struct ma_trace *t = s->t;
	char money[ML_MONEY_TEXT_MAX];
	double y = b->y + b->h / 2 + 4;
	ml_money_format(b->ore, money, sizeof money);
	if (b->kind == MA_BOX_PARTY) {
		double x = b->x + MA_SVG_BAR_PX + 5;
		/* data-party: the web view lays a link to the party's
		 * page over its label and bar (docs/web.md). */
		ma_svg_printf(s,
		              "<text x=\"%.1f\" y=\"%.1f\" class=\"label "
		              "party\" data-party=\"",
		              x, y - 7);
		ma_svg_text(s, t->nodes[b->node].party);
		ma_svg_puts(s, "\"><tspan font-weight=\"bold\">");
		ma_svg_cut(s, t->nodes[b->node].label, MA_SVG_PARTY_COLS);
		ma_svg_printf(s,
		              "</tspan><tspan x=\"%.1f\" dy=\"14\">%s%s<tspan "
		              "class=\"amount\" data-kind=\"party\">%s</tspan>"
		              "</tspan>",
		              x, b->node == t->payer ? s->w->svg_pool : "",
		              b->node == t->payer ? " " : "",
		              ml_money_format(ma_trace_inflow(t, b->node),
		                              money, sizeof money));
		if (b->node == t->payer && ma_svg_kept(t) > 0)
			ma_svg_printf(
			    s,
			    "<tspan x=\"%.1f\" dy=\"14\" fill=\"#555\">"
			    "%s <tspan class=\"amount\" "
			    "data-kind=\"kept\">%s</tspan> %s"
			    "</tspan>",
			    x, s->w->svg_keeps,
			    ml_money_format(ma_svg_kept(t), money,
			                    sizeof money),
			    s->w->svg_not_drawn);
		ma_svg_puts(s, "</text>\n");
		return;
	}
	struct ml_buf what;
	ml_buf_init(&what, MA_SVG_LINE_BYTES_MAX);
	ma_sink_text(s, b, &what);
	ma_svg_printf(s,
	              "<text x=\"%.1f\" y=\"%.1f\" class=\"label sink\">"
	              "<tspan class=\"amount\" data-kind=\"sink\" "
	              "font-weight=\"bold\">%s</tspan> ",
	              b->x + MA_SVG_BAR_PX + 6, y, money);
	ma_svg_text(s, what.data ? what.data : "");
	ma_svg_puts(s, " <tspan fill=\"#777\">");
	ma_svg_cut(s, t->nodes[b->node].label, MA_SVG_PARTY_COLS);
	ma_svg_puts(s, "</tspan></text>\n");
	ml_buf_free(&what);
}

static void ma_svg_head(struct ma_svg *s)
{
	const struct ma_trace *t = s->t;
	char pool[ML_MONEY_TEXT_MAX];
	ma_svg_printf(
	    s,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
	    "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu "
	    "Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
	    "<style>.label{paint-order:stroke;stroke:#fff;stroke-width:3px;"
	    "stroke-linejoin:round}</style>\n"
	    "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n"
	    "<text x=\"%.0f\" y=\"32\" font-size=\"20\" font-weight=\"bold\">"
	    "%s: ",
	    MA_SVG_WIDTH_PX, s->height, MA_SVG_WIDTH_PX, s->height,
	    MA_SVG_LEFT_PX, s->w->svg_title);
	ma_svg_cut(s, t->grant_label, MA_SVG_TITLE_COLS);
	ma_svg_printf(s,
	              "</text>\n<text x=\"%.0f\" y=\"54\" fill=\"#555\">%s "
	              "%s \xc2\xb7 %s %s \xc2\xb7 %zu %s \xc2\xb7 %s</text>\n",
	              MA_SVG_LEFT_PX, s->w->svg_as_of, t->as_of, s->w->svg_pool,
	              ml_money_format(t->pool_ore, pool, sizeof pool),
	              t->n_nodes, s->w->svg_parties, s->w->svg_note);
}

static void ma_svg_legend(struct ma_svg *s)
{
	static const char *const colours[MA_SVG_LEGEND] = {
	    "#4e79a7", "#59a14f", "#f28e2b", "#b07aa1", "#9d9590"};
	double x = MA_SVG_LEFT_PX, y = s->height - 30;
	for (size_t k = 0; k < MA_SVG_LEGEND; k++) {
		const char *what = s->w->svg_legend[k];
		ma_svg_printf(s,
		              "<rect x=\"%.0f\" y=\"%.0f\" width=\"14\" "
		              "height=\"10\" fill=\"%s\" fill-opacity=\"0.6\"/>"
		              "<text x=\"%.0f\" y=\"%.0f\">%s</text>\n",
		              x, y, colours[k], x + 20, y + 10, what);
		x += 40.0 + 7.0 * (double)strlen(what);
	}
}

static void ma_svg_draw(struct ma_svg *s)
{
	ma_svg_head(s);
	ma_svg_bands(s);
	for (size_t i = 0; i < s->n_boxes; i++) {
		const struct ma_box *b = &s->boxes[i];
		ma_svg_printf(s,
		              "<rect x=\"%.1f\" y=\"%.2f\" width=\"%.0f\" "
		              "height=\"%.2f\" fill=\"%s\"",
		              b->x, b->y, MA_SVG_BAR_PX, b->h,
		              b->kind == MA_BOX_PARTY
		                  ? "#2f4b7c"
		                  : ma_sink_colour(b->kind));
		if (b->kind == MA_BOX_PARTY) {
			ma_svg_puts(s, " class=\"party\" data-party=\"");
			ma_svg_text(s, s->t->nodes[b->node].party);
			ma_svg_puts(s, "\"");
		}
		ma_svg_puts(s, "/>\n");
	}
	for (size_t i = 0; i < s->n_boxes; i++)
		ma_svg_label(s, &s->boxes[i]);
	ma_svg_legend(s);
	ma_svg_puts(s, "</svg>\n");
}

/* Boxes for every party with money and for every sink. */
static int ma_svg_boxes(struct ma_svg *s, struct ml_errinfo *err)
{
	const struct ma_trace *t = s->t;
	size_t max = t->n_nodes * 4 + t->n_edges + 1;
	for (size_t i = 0; i < t->n_nodes; i++)
		max += t->nodes[i].n_acts;
	s->boxes = calloc(max, sizeof *s->boxes);
	s->party_box = malloc((t->n_nodes + 1) * sizeof *s->party_box);
	if (s->boxes == NULL || s->party_box == NULL)
		return ml_fail(err, ML_E_NOMEM, -1, NULL, "out of memory");
	for (size_t i = 0; i < t->n_nodes; i++) {
		s->party_box[i] = SIZE_MAX;
		if (ma_svg_through(t, i) > 0)
			ma_svg_add(s, MA_BOX_PARTY, i, 0, ma_svg_through(t, i));
	}
	for (size_t i = 0; i < t->n_nodes; i++)
		if (ma_svg_through(t, i) > 0)
			ma_svg_sinks(s, i);
	if (s->n_sinks > MA_SVG_SINKS_MAX)
		return ml_fail(err, ML_E_TOO_LARGE, -1, "format",
		               "%zu activities and other ends are more than "
		               "a picture shows readably (%d): ask for "
		               "format=csv",
		               s->n_sinks, MA_SVG_SINKS_MAX);
	return 0;
}

int ma_trace_svg(const struct ma_trace *t, const struct ma_words *w,
                 struct ml_buf *out, struct ml_errinfo *err)
{
	struct ma_svg s = {
	    .t = t, .w = w, .out = out, .cols = t->max_depth + 2};
	int rc = ma_svg_boxes(&s, err);
	if (rc == 0) {
		for (size_t i = 0; i < s.n_boxes; i++)
			if (s.boxes[i].kind == MA_BOX_PARTY)
				s.party_box[s.boxes[i].node] = i;
		ma_svg_layout(&s);
		ma_svg_draw(&s);
		rc = s.rc;
	}
	free(s.boxes);
	free(s.party_box);
	return rc;
}
