export default definePageConfig({ navigationBarTitleText: '今日售票' })
