import { Link, Text } from "@react-email/components";
import { TEST_SUBJECT } from "../src/lib/format";
import { type EmailLinks, Layout } from "./components/Layout";
import { previewLinks } from "./components/preview-data";
import { s } from "./components/theme";

export interface TestEmailProps {
  links: EmailLinks;
}

/** What "send a test message" delivers: proof the channel works, and where to go next. */
export function TestEmail({ links }: TestEmailProps) {
  return (
    <Layout
      preview="This address can receive clausewatch alerts and digests."
      heading={TEST_SUBJECT}
      reason="You are getting this because a test message was requested for this address from your clausewatch account."
      links={links}
    >
      <Text style={s.p}>
        This is a test message from clausewatch. It arrived, so alerts and weekly digests about the terms you watch will reach
        this address too.
      </Text>
      <Text style={s.p}>
        Nothing else to do.{" "}
        <Link href={links.manage} style={s.link}>
          Review your watchlist and delivery settings
        </Link>{" "}
        whenever you like.
      </Text>
    </Layout>
  );
}

TestEmail.PreviewProps = { links: previewLinks } satisfies TestEmailProps;

export default TestEmail;
