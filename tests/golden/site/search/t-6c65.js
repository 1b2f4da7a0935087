CatalogSearch.add("t","le",{"learning":[4.763,"5_"],"learning require":[2.607,"5_"],"lenaic":[4.17,"1_"],"level":[1.035,"0_"]});
