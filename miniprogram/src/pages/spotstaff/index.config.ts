export default definePageConfig({ navigationBarTitleText: '景区工作台' })
